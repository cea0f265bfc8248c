package ec2live

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

const leaked = "AKIAW9X2Q2U25SK79UCX"

// record is a CloudTrail record as the trail would hold it.
func record(t *testing.T, id, name, region string, req, resp any) *investigate.Event {
	t.Helper()
	b, _ := json.Marshal(map[string]any{
		"eventVersion": "1.09", "eventID": id, "eventTime": time.Now().UTC().Add(-time.Hour).Format(time.RFC3339),
		"eventSource": "ec2.amazonaws.com", "eventName": name, "awsRegion": region, "recipientAccountId": moto.Account,
		"sourceIPAddress": "203.0.113.9", "userAgent": "aws-cli/2.15.0",
		"userIdentity": map[string]any{"type": "IAMUser", "userName": "alice", "accessKeyId": leaked, "accountId": moto.Account,
			"arn": "arn:aws:iam::" + moto.Account + ":user/alice"},
		"requestParameters": req, "responseElements": resp,
	})
	e, err := investigate.DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	return &e
}

// session is a session in a moto of the test's own, in moto's default account.
func session(t *testing.T) *awsconfig.Session {
	t.Helper()
	srv := moto.Start(t)
	s, err := awsconfig.FromConfig(context.Background(), srv.AWSConfig(t, "us-east-1"), awsconfig.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func launch(t *testing.T, c *ec2.Client, ami, key, name string, n int32) []string {
	t.Helper()
	out, err := c.RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: aws.String(ami), InstanceType: types.InstanceTypeP3dn24xlarge, KeyName: aws.String(key), MinCount: aws.Int32(n), MaxCount: aws.Int32(n),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	return ids
}

// The live state of a case's follow-ups, read from moto's EC2 and folded into the case:
// the key pair still exists, a deleted one does not, each instance has its state, type,
// launch time, tags; an instance the trail names but EC2 does not know is "not-found";
// an instance launched with the key pair but missing from the trail is found by key name.
func TestLiveInstanceStateOfTheFollowUps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := session(t)
	const region = "eu-west-1"
	c := ec2.NewFromConfig(s.ForRegion(region))
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("moto has no images: %v", err)
	}
	ami := aws.ToString(imgs.Images[0].ImageId)
	kp, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("miner")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	ids := launch(t, c, ami, "miner", "gpu-worker", 2)
	hidden := launch(t, c, ami, "miner", "not-in-the-trail", 1)
	if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids[1:]}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	const ghost = "i-0123456789abcdef0"

	items := func(ids ...string) any {
		var it []map[string]any
		for _, id := range ids {
			it = append(it, map[string]any{"instanceId": id})
		}
		return map[string]any{"items": it}
	}
	events := []*investigate.Event{
		record(t, "e1", "CreateKeyPair", region, map[string]any{"keyName": "miner"}, map[string]any{"keyName": "miner", "keyPairId": aws.ToString(kp.KeyPairId)}),
		record(t, "e2", "CreateKeyPair", region, map[string]any{"keyName": "gone"}, map[string]any{"keyName": "gone", "keyPairId": "key-0deleted"}),
		record(t, "e3", "RunInstances", region,
			map[string]any{"instanceType": "p3dn.24xlarge", "instancesSet": map[string]any{"items": []any{map[string]any{"imageId": ami, "keyName": "miner", "minCount": 3, "maxCount": 3}}}},
			map[string]any{"instancesSet": items(append(ids, ghost)...)}),
	}
	in := investigate.CaseInput{Key: investigate.MustParseAccessKeyID(leaked), Events: events, Now: time.Now()}
	c0 := investigate.BuildCase(in)
	if len(c0.FollowUps.Instances) != 3 || len(c0.FollowUps.KeyPairs) != 2 {
		t.Fatalf("the trail's follow-ups: %+v", c0.FollowUps)
	}

	live, err := (&Lookup{Session: s}).LookupFollowUps(ctx, c0.FollowUps)
	if err != nil {
		t.Fatal(err)
	}
	if len(live.Errors) != 0 {
		t.Fatalf("errors: %v", live.Errors)
	}
	if !live.KeyPairs[region+"/miner"] || live.KeyPairs[region+"/gone"] {
		t.Errorf("key pairs %v: want miner to exist and gone not", live.KeyPairs)
	}
	if h, ok := live.Instances[hidden[0]]; !ok || h.KeyName != "miner" || h.Tags["Name"] != "not-in-the-trail" {
		t.Errorf("the instance launched with miner outside the trail was not found by key name: %+v", h)
	}

	in.Live = &live
	cs := investigate.BuildCase(in)
	states := map[string]investigate.Instance{}
	for _, i := range cs.FollowUps.Instances {
		states[i.InstanceID] = i
	}
	run, stopped := states[ids[0]], states[ids[1]]
	if run.State != "running" || run.InstanceType != "p3dn.24xlarge" || run.Tags["Name"] != "gpu-worker" || run.LaunchTime.IsZero() || run.KeyName != "miner" {
		t.Errorf("running instance: %+v", run)
	}
	if !strings.HasPrefix(stopped.State, "stop") {
		t.Errorf("stopped instance: state %q", stopped.State)
	}
	if states[ghost].State != "not-found" {
		t.Errorf("an instance EC2 does not know: %+v, want not-found", states[ghost])
	}
	for _, k := range cs.FollowUps.KeyPairs {
		want := k.Name == "miner"
		if k.Exists == nil || *k.Exists != want {
			t.Errorf("key pair %s: exists %v, want %v", k.Name, k.Exists, want)
		}
	}
	// The plan stops only what still runs: the trail's running instance and the one found
	// live by its key pair, not the stopped one nor the one EC2 does not know.
	plan := investigate.PlanRemediation(cs, nil, time.Now())
	want := []string{ids[0], hidden[0]}
	slices.Sort(want)
	found := false
	for _, a := range plan.Actions {
		if a.Kind != investigate.ActStopInstances {
			continue
		}
		found = true
		got := slices.Sorted(slices.Values(a.Instances[region]))
		if len(a.Instances) != 1 || !slices.Equal(got, want) {
			t.Errorf("stop-instances targets %v, want only the running %v", a.Instances, want)
		}
	}
	if !found {
		t.Error("no stop-instances action for the running instances")
	}
}

// Instances of another account without a profile for it carry the reason, naming the flag.
func TestInstancesOfAnotherAccountNameTheProfileNeeded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := session(t)
	f := investigate.FollowUps{
		KeyPairs:  []investigate.KeyPair{{Name: "x", Region: "us-west-2", Account: "210987654321"}},
		Instances: []investigate.Instance{{InstanceID: "i-0aaaaaaaaaaaaaaaa", Region: "us-west-2", Account: "210987654321"}},
	}
	live, err := (&Lookup{Session: s}).LookupFollowUps(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if e := live.Instances["i-0aaaaaaaaaaaaaaaa"].LiveError; !strings.Contains(e, "--account-profile 210987654321=PROFILE") {
		t.Errorf("instance error %q", e)
	}
	if !strings.Contains(live.Errors["us-west-2"], "210987654321") {
		t.Errorf("region errors %v", live.Errors)
	}
}
