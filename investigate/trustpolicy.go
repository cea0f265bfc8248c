package investigate

import (
	"encoding/json"
	"slices"
	"strings"
)

// WithoutOutsiders is a role's trust policy doc without the AWS principals of other
// accounts than account (and without "*"): what a backdoored trust policy becomes when its
// earlier document is unknown. The statements left trust only the account's own
// principals, services and identity providers; a statement left with no principal goes.
// removed names the principals taken out. ok is false when doc is not a policy document
// keypivot can read, or when nothing would be left.
func WithoutOutsiders(doc, account string) (out string, removed []string, ok bool) {
	var p map[string]any
	if account == "" || json.Unmarshal([]byte(decodedDoc(doc)), &p) != nil {
		return "", nil, false
	}
	var stmts []any
	switch s := p["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	default:
		return "", nil, false
	}
	var kept []any
	for _, raw := range stmts {
		st, isMap := raw.(map[string]any)
		if !isMap {
			return "", nil, false
		}
		principal, _ := st["Principal"].(map[string]any)
		if st["Effect"] != "Allow" || principal == nil {
			if st["Principal"] == "*" && st["Effect"] == "Allow" {
				removed = append(removed, "*")
				continue
			}
			kept = append(kept, st)
			continue
		}
		aws, has := principal["AWS"]
		if !has {
			kept = append(kept, st)
			continue
		}
		var ids []string
		switch v := aws.(type) {
		case string:
			ids = []string{v}
		case []any:
			for _, x := range v {
				s, isString := x.(string)
				if !isString {
					return "", nil, false
				}
				ids = append(ids, s)
			}
		default:
			return "", nil, false
		}
		var own []string
		for _, id := range ids {
			if principalAccount(id) == account {
				own = append(own, id)
			} else {
				removed = append(removed, id)
			}
		}
		if len(own) == len(ids) {
			kept = append(kept, st)
			continue
		}
		np := map[string]any{}
		for k, v := range principal {
			np[k] = v
		}
		delete(np, "AWS")
		if len(own) > 0 {
			np["AWS"] = own
		}
		if len(np) == 0 {
			continue
		}
		ns := map[string]any{}
		for k, v := range st {
			ns[k] = v
		}
		ns["Principal"] = np
		kept = append(kept, ns)
	}
	if len(removed) == 0 || len(kept) == 0 {
		return "", removed, false
	}
	p["Statement"] = kept
	b, err := json.Marshal(p)
	if err != nil {
		return "", nil, false
	}
	return string(b), slices.Compact(removed), true
}

// principalAccount is the account of an AWS principal: an ARN's account field, or a bare
// account id; "" for "*" and anything else.
func principalAccount(id string) string {
	if strings.HasPrefix(id, "arn:") {
		return arnAccount(id)
	}
	if len(id) == 12 && strings.Trim(id, "0123456789") == "" {
		return id
	}
	return ""
}
