package investigate

import (
	"slices"
)

// Caller is the identity remediation calls are made with.
type Caller struct {
	ARN         string `json:"arn"`
	Account     string `json:"account"`
	UserName    string `json:"user,omitempty"`
	AccessKeyID string `json:"access_key_id,omitempty"`
	Profile     string `json:"profile,omitempty"`
	Region      string `json:"region,omitempty"`
	// Kibana is the URL of the Kibana a Kibana caller writes to.
	Kibana string `json:"kibana,omitempty"`
	// OtherAccounts are accounts the remediator can also act in (--account-profile).
	OtherAccounts []string `json:"other_accounts,omitempty"`
}

// CanActIn says whether the caller can act in account (its own, or one of OtherAccounts).
func (c *Caller) CanActIn(account string) bool {
	return c == nil || account == "" || c.Account == "" || account == c.Account || slices.Contains(c.OtherAccounts, account)
}
