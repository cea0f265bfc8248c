package investigate

import "net/url"

// KibanaSpacePath is the part a Kibana path gives its space: "/s/<space>", the space
// path-escaped, or nothing for the default space ("" or DefaultKibanaSpace), whose
// URLs Kibana leaves unprefixed. Every Kibana request and link keypivot builds starts
// with it, so that a space is spelt the same in a write, a read and a link.
func KibanaSpacePath(space string) string {
	if space == "" || space == DefaultKibanaSpace {
		return ""
	}
	return "/s/" + url.PathEscape(space)
}
