// Package owner resolves a key's owner live: the account of any key
// (sts:GetAccessKeyInfo), then, in that account, its user and last use
// (iam:GetAccessKeyLastUsed), the user's keys with their status (iam:ListAccessKeys), and
// the managed policies attached to the user (iam:ListAttachedUserPolicies) with the
// actions AWS's quarantine policy denies (iam:GetPolicy, iam:GetPolicyVersion).
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package owner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// NeverUsed is what IAM answers for the service and region of a key never used.
const NeverUsed = "N/A"

// Lookup is an investigate.OwnerLookup over STS and IAM.
type Lookup struct {
	// Session is the caller's; Accounts are sessions of other accounts, by account id.
	Session  *awsconfig.Session
	Accounts map[string]*awsconfig.Session
}

var _ investigate.OwnerLookup = (*Lookup)(nil)

// SessionFor is the session that can read account's IAM: the caller's, or a configured
// other one; nil when none can.
func (l *Lookup) SessionFor(account string) *awsconfig.Session {
	if account == "" || account == l.Session.Identity.Account {
		return l.Session
	}
	return l.Accounts[account]
}

// LookupOwner implements investigate.OwnerLookup. What it could not learn is explained in
// OwnerInfo.Error (a missing permission, a key of another account); the error is for a
// lookup that learned nothing at all.
func (l *Lookup) LookupOwner(ctx context.Context, key string) (investigate.OwnerInfo, error) {
	var info investigate.OwnerInfo
	if l.Session == nil {
		return info, errors.New("owner lookup: no AWS session")
	}
	caller := l.Session.Identity
	account := ""
	ki, err := sts.NewFromConfig(l.Session.Config).GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(key)})
	if err != nil {
		if ctx.Err() != nil {
			return info, ctx.Err()
		}
		// Without STS, the caller's own account is still worth asking.
		info.Error = fmt.Sprintf("cannot tell the key's account: %v", err)
	} else {
		account = aws.ToString(ki.Account)
		info.Account = account
		info.Sources = append(info.Sources, "sts")
	}
	sess := l.SessionFor(account)
	if sess == nil {
		info.Error = fmt.Sprintf("the key belongs to account %s, and keypivot runs as %s in account %s: reading its user, status and last use needs a profile of account %s (--profile, or --account-profile %s=PROFILE)",
			account, caller.ARN, caller.Account, account, account)
		return info, nil
	}
	iamc := iam.NewFromConfig(sess.Config)
	lu, err := iamc.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(key)})
	if err != nil {
		if ctx.Err() != nil {
			return info, ctx.Err()
		}
		info.Error = join(info.Error, explainKeyError(key, sess, err))
		if info.Account == "" {
			return info, err
		}
		return info, nil
	}
	if info.Account == "" {
		info.Account = sess.Identity.Account
	}
	info.User = aws.ToString(lu.UserName)
	info.LastUsed = lastUsed(lu.AccessKeyLastUsed)
	info.Sources = appendUnique(info.Sources, "iam")
	partition := awsconfig.PartitionOf(sess.Identity.ARN)
	if info.User == "" || info.User == "root" || info.User == "<root_account>" {
		info.User = ""
		info.ARN = fmt.Sprintf("arn:%s:iam::%s:root", partition, info.Account)
		info.Error = join(info.Error, "IAM names no user for this key: it is the account's root key")
		return info, nil
	}
	info.ARN = fmt.Sprintf("arn:%s:iam::%s:user/%s", partition, info.Account, info.User)
	if u, err := iamc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(info.User)}); err == nil && u.User != nil {
		info.ARN = aws.ToString(u.User.Arn) // with the user's path
	}
	if err := readPolicies(ctx, iamc, &info); err != nil {
		return info, err
	}
	keys, err := listKeys(ctx, iamc, info.User)
	if err != nil {
		if ctx.Err() != nil {
			return info, ctx.Err()
		}
		info.Error = join(info.Error, fmt.Sprintf("the user's keys are unknown: %v", err))
		return info, nil
	}
	found := false
	for _, k := range keys {
		id := aws.ToString(k.AccessKeyId)
		if id == key {
			found = true
			info.Status = string(k.Status)
			info.Created = aws.ToTime(k.CreateDate).UTC()
			continue
		}
		ks := investigate.KeyState{AccessKeyID: id, Status: string(k.Status), Created: aws.ToTime(k.CreateDate).UTC()}
		if o, err := iamc.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKeyId}); err == nil {
			ks.LastUsed = lastUsed(o.AccessKeyLastUsed)
		}
		info.OtherKeys = append(info.OtherKeys, ks)
	}
	if !found {
		info.Error = join(info.Error, fmt.Sprintf("user %s does not list the key any more (deleted?)", info.User))
	}
	return info, nil
}

func listKeys(ctx context.Context, c *iam.Client, user string) ([]types.AccessKeyMetadata, error) {
	var out []types.AccessKeyMetadata
	p := iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: aws.String(user)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.AccessKeyMetadata...)
	}
	return out, nil
}

// lastUsed is IAM's answer; a key never used has no date and "N/A" as service and region.
func lastUsed(lu *types.AccessKeyLastUsed) *investigate.LastUsed {
	if lu == nil {
		return nil
	}
	out := &investigate.LastUsed{Service: aws.ToString(lu.ServiceName), Region: aws.ToString(lu.Region)}
	if lu.LastUsedDate != nil {
		out.Date = lu.LastUsedDate.UTC().Truncate(time.Second)
	}
	if out.Date.IsZero() {
		out.Service, out.Region = NeverUsed, NeverUsed
	}
	return out
}

func explainKeyError(key string, sess *awsconfig.Session, err error) string {
	switch awsconfig.ErrorCode(err) {
	case "NoSuchEntity":
		return fmt.Sprintf("IAM of account %s does not know %s: deleted, or a key of another account", sess.Identity.Account, key)
	}
	return err.Error()
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "; " + b
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
