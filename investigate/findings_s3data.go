package investigate

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// S3 object access. CloudTrail records object-level calls (GetObject, PutObject,
// DeleteObject, ...) only as data events (eventCategory Data, managementEvent false),
// which a trail logs only when its event selectors ask for them and LookupEvents never
// returns. When the events read hold none, a case cannot tell "no object was read" from
// "object reads were not logged": the finding says the data events are not there.

// s3ObjectKinds maps S3's object-level calls (always data events) to what they do.
var s3ObjectKinds = map[string]string{
	"GetObject": "read", "GetObjectAcl": "read", "GetObjectAttributes": "read", "GetObjectTagging": "read",
	"GetObjectTorrent": "read", "GetObjectLegalHold": "read", "GetObjectRetention": "read", "HeadObject": "read",
	"SelectObjectContent": "read", "RestoreObject": "read",
	"PutObject": "write", "CopyObject": "write", "CreateMultipartUpload": "write", "UploadPart": "write",
	"UploadPartCopy": "write", "CompleteMultipartUpload": "write", "AbortMultipartUpload": "write",
	"PutObjectAcl": "write", "PutObjectTagging": "write", "PutObjectLegalHold": "write", "PutObjectRetention": "write",
	"DeleteObject": "delete", "DeleteObjects": "delete", "DeleteObjectTagging": "delete",
	"ListObjects": "list", "ListObjectsV2": "list", "ListObjectVersions": "list", "ListMultipartUploads": "list", "ListParts": "list",
}

var ownsS3Data = ownsNames("s3", s3ObjectKinds)

// IsS3DataEvent reports whether e is an S3 object-level call: a data event.
func IsS3DataEvent(e *Event) bool { return ownsS3Data(e) }

// bulkObjects is the number of objects read from which a read is bulk (high severity).
const bulkObjects = 25

// s3DataFindings raises one finding per signer that touched objects, or, when the
// events read hold no S3 data event at all, says that object access cannot be seen.
func s3DataFindings(in *patternInput) []Finding {
	out := perSigner(ownsS3Data, s3DataFinding)(in)
	if len(in.own) > 0 && len(out) == 0 && !slices.ContainsFunc(in.all, IsS3DataEvent) {
		out = append(out, noDataEventsFinding(in.own))
	}
	return out
}

// noDataEventsFinding says that the events read hold no S3 data events: its severity
// is unknown, because what it is about could not be seen.
func noDataEventsFinding(own []*Event) Finding {
	return Finding{
		Category: CatDataAccess,
		Severity: SeverityUnknown,
		Title:    "S3 object access not visible: no S3 data events in the events read",
		Detail: "CloudTrail records GetObject, PutObject and DeleteObject only as data events, which a trail logs only when " +
			"configured to, and LookupEvents never returns them: either no object was touched, or it was not logged; " +
			"check the trail's data event selectors or S3 server access logs",
		Time: own[0].Time,
	}
}

func s3DataFinding(signer string, events []*Event) Finding {
	parts := map[string]*tally{"read": {}, "write": {}, "delete": {}, "list": {}}
	// objects holds, by kind, the objects touched (bucket/key), each once: a bulk read
	// can touch a million.
	objects := map[string]map[string]struct{}{}
	var buckets []string
	seenBucket := map[string]bool{}
	for _, e := range events {
		kind := s3ObjectKinds[e.Name]
		parts[kind].add(e)
		if e.Failed() {
			continue
		}
		// Typed: a bulk read decodes a million of these.
		var req struct {
			Bucket string `json:"bucketName"`
			Key    string `json:"key"`
		}
		_ = json.Unmarshal(e.Request(), &req) // a request that is no object names no object
		bucket := req.Bucket
		if bucket != "" && !seenBucket[bucket] {
			seenBucket[bucket] = true
			buckets = append(buckets, bucket)
		}
		if k := req.Key; k != "" && kind != "list" {
			if objects[kind] == nil {
				objects[kind] = map[string]struct{}{}
			}
			objects[kind][bucket+"/"+k] = struct{}{}
		}
	}
	read, write, del, list := parts["read"], parts["write"], parts["delete"], parts["list"]
	f := Finding{Category: CatDataAccess, Severity: SeverityMedium, Signer: signer, Action: "s3:GetObject"}
	var what []string
	for _, k := range []struct {
		t     *tally
		verb  string
		kind  string
		count bool
	}{{read, "read", "read", true}, {write, "written", "write", true}, {del, "deleted", "delete", true}, {list, "listings", "list", false}} {
		if k.t.ok() == 0 {
			continue
		}
		if k.count && len(objects[k.kind]) > 0 {
			what = append(what, fmt.Sprintf("%s %s", Plural(len(objects[k.kind]), "object"), k.verb))
		} else {
			what = append(what, fmt.Sprintf("%s (%s)", Plural(k.t.ok(), strings.TrimSuffix(k.verb, "s")+" call"), strings.Join(k.t.actions, ", ")))
		}
	}
	switch {
	case del.ok() > 0:
		f.Severity, f.Action = SeverityHigh, "s3:DeleteObject"
	case len(objects["read"]) >= bulkObjects:
		f.Severity = SeverityHigh
	case read.ok() == 0 && write.ok() > 0:
		f.Action = "s3:PutObject"
	case read.ok()+write.ok() == 0 && list.ok() > 0:
		f.Severity, f.Action = SeverityLow, "s3:ListObjects"
	}
	if len(what) == 0 {
		f.Title = "S3 object access attempted, failed"
	} else {
		f.Title = "S3 data access: " + strings.Join(what, ", ")
	}
	failed := failedParts(read, write, del, list)
	where := Plural(len(events), "data event")
	if len(buckets) > 0 {
		where += " in " + Plural(len(buckets), "bucket") + ": " + listShort(buckets, 5)
	}
	f.Detail = joinParts(where, strings.Join(failed, "; "))
	merge(&f, del, write, read, list)
	return f
}
