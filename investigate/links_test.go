package investigate

import (
	"testing"
	"time"
)

func TestKibanaAlertURL(t *testing.T) {
	at := time.Date(2026, 3, 11, 12, 33, 29, 0, time.FixedZone("CET", 3600))
	const id = "1265db04-99bb-49dd-9adf-bd2d995930db"
	for _, tc := range []struct {
		base, space, id string
		at              time.Time
		want            string
	}{
		// The default space has no /s/ part; the index is the space's alerts alias and the
		// time is the alert's @timestamp in UTC, as Kibana's getAlertDetailsUrl writes them.
		{"https://kibana.example.com:5601", "", id, at,
			"https://kibana.example.com:5601/app/security/alerts/redirect/" + id + "?index=.alerts-security.alerts-default&timestamp=2026-03-11T11:33:29.000Z"},
		{"https://kibana.example.com/", "default", id, at,
			"https://kibana.example.com/app/security/alerts/redirect/" + id + "?index=.alerts-security.alerts-default&timestamp=2026-03-11T11:33:29.000Z"},
		// Another space, a base path, credentials and a space already in the base.
		{"https://analyst:pw@kibana.example.com/kibana/s/old?x=1#f", "soc-team", id, at,
			"https://kibana.example.com/kibana/s/soc-team/app/security/alerts/redirect/" + id + "?index=.alerts-security.alerts-soc-team&timestamp=2026-03-11T11:33:29.000Z"},
		// No time: the link still opens the alert.
		{"http://localhost:5601", "", id, time.Time{}, "http://localhost:5601/app/security/alerts/redirect/" + id + "?index=.alerts-security.alerts-default"},
		// An id with characters a path cannot hold is escaped.
		{"http://localhost:5601", "", "a/b?c", time.Time{}, "http://localhost:5601/app/security/alerts/redirect/a%2Fb%3Fc?index=.alerts-security.alerts-default"},
		// No link: no base, a base that is no http URL, a space Kibana would refuse, no id.
		{"", "", id, at, ""},
		{"kibana.example.com", "", id, at, ""},
		{"ftp://kibana.example.com", "", id, at, ""},
		{"https://kibana.example.com", "Bad Space", id, at, ""},
		{"https://kibana.example.com", "", "", at, ""},
	} {
		if got := KibanaAlertURL(tc.base, tc.space, tc.id, tc.at); got != tc.want {
			t.Errorf("KibanaAlertURL(%q, %q, %q)\n got %q\nwant %q", tc.base, tc.space, tc.id, got, tc.want)
		}
	}
}

func TestCloudTrailEventURL(t *testing.T) {
	const id = "6e882b9d-2af8-4c67-b91f-aeac6a0e5e70"
	for _, tc := range []struct{ region, id, want string }{
		{"us-east-1", id, "https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/" + id},
		{"eu-central-2", " " + id + " ", "https://eu-central-2.console.aws.amazon.com/cloudtrail/home?region=eu-central-2#/events/" + id},
		{"cn-north-1", id, "https://console.amazonaws.cn/cloudtrail/home?region=cn-north-1#/events/" + id},
		{"us-gov-west-1", id, "https://console.amazonaws-us-gov.com/cloudtrail/home?region=us-gov-west-1#/events/" + id},
		// An event id from a forged record cannot break out of the fragment.
		{"us-east-1", "x/../y?z#w", "https://us-east-1.console.aws.amazon.com/cloudtrail/home?region=us-east-1#/events/x%2F..%2Fy%3Fz%23w"},
		{"", id, ""},
		{"us-east-1", "", ""},
		{"not a region", id, ""},
		{"us-east-1.evil.example", id, ""},
	} {
		if got := CloudTrailEventURL(tc.region, tc.id); got != tc.want {
			t.Errorf("CloudTrailEventURL(%q, %q)\n got %q\nwant %q", tc.region, tc.id, got, tc.want)
		}
	}
}

func TestAlertAndEventLinks(t *testing.T) {
	at := time.Date(2026, 3, 11, 12, 33, 29, 0, time.UTC)
	elastic := Sibling{AlertID: "a1", Provider: ProviderElastic, Time: at, EventID: "ev-1", Region: "eu-west-1"}
	k := KibanaTarget{URL: "https://kibana.example.com", Space: "soc"}
	if got, want := k.AlertURL(&elastic), "https://kibana.example.com/s/soc/app/security/alerts/redirect/a1?index=.alerts-security.alerts-soc&timestamp=2026-03-11T12:33:29.000Z"; got != want {
		t.Errorf("AlertURL = %q, want %q", got, want)
	}
	finding := Sibling{AlertID: "gd-1", Provider: ProviderGuardDuty, Time: at}
	if got := k.AlertURL(&finding); got != "" {
		t.Errorf("a GuardDuty finding links to Kibana: %q", got)
	}
	if got := (KibanaTarget{}).AlertURL(&elastic); got != "" {
		t.Errorf("no Kibana configured, yet %q", got)
	}
	if got, want := elastic.CloudTrailURL(), "https://eu-west-1.console.aws.amazon.com/cloudtrail/home?region=eu-west-1#/events/ev-1"; got != want {
		t.Errorf("CloudTrailURL = %q, want %q", got, want)
	}
	if got := finding.CloudTrailURL(); got != "" {
		t.Errorf("an alert on no event links to %q", got)
	}
	e := Event{ID: "ev-2", Region: "us-west-2"}
	if got, want := e.CloudTrailURL(), "https://us-west-2.console.aws.amazon.com/cloudtrail/home?region=us-west-2#/events/ev-2"; got != want {
		t.Errorf("Event.CloudTrailURL = %q, want %q", got, want)
	}
}
