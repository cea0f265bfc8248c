package artifactlive

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/keypivot/keypivot/internal/testserver/moto"
)

// Lambda functions (existing, throttled, with a reserved concurrency, deleted) and EC2
// key pairs (existing, deleted, existing only in another region) in their regions.
func TestFunctionsAndKeyPairsInTheirRegions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	s := session(t, srv.AWSConfig(t, "us-east-1"))
	const region = "eu-west-1"
	str := aws.String

	seed := srv.Seed(t, "")
	for _, fn := range []string{"miner", "throttled", "reserved", "removed"} {
		seed.Function(region, fn)
	}
	lc := lambda.NewFromConfig(s.ForRegion(region))
	for fn, n := range map[string]int32{"throttled": 0, "reserved": 5} {
		if _, err := lc.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: str(fn), ReservedConcurrentExecutions: aws.Int32(n)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := lc.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: str("removed")}); err != nil {
		t.Fatal(err)
	}

	ec := ec2.NewFromConfig(s.ForRegion(region))
	pairs := map[string]string{}
	for _, kp := range []string{"miner", "gone"} {
		out, err := ec.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: str(kp)})
		if err != nil {
			t.Fatal(err)
		}
		pairs[kp] = aws.ToString(out.KeyPairId)
	}
	if _, err := ec.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: str("gone")}); err != nil {
		t.Fatal(err)
	}
	// "elsewhere" exists, but in us-east-1: the trail's is in eu-west-1.
	if _, err := ec2.NewFromConfig(s.ForRegion("us-east-1")).CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: str("elsewhere")}); err != nil {
		t.Fatal(err)
	}
	pairs["elsewhere"] = "key-0elsewhere"

	tr := &trail{t: t}
	for _, fn := range []string{"miner", "throttled", "reserved", "removed"} {
		tr.add("lambda", "CreateFunction20150331", region, map[string]any{"functionName": fn, "runtime": "python3.12"},
			map[string]any{"functionName": fn, "functionArn": "arn:aws:lambda:" + region + ":" + moto.Account + ":function:" + fn})
	}
	// A function the trail names by ARN, in a region where it does not exist.
	tr.add("lambda", "UpdateFunctionCode20150331v2", "us-west-2",
		map[string]any{"functionName": "arn:aws:lambda:us-west-2:" + moto.Account + ":function:miner"}, nil)
	for _, kp := range []string{"miner", "gone", "elsewhere"} {
		tr.add("ec2", "CreateKeyPair", region, map[string]any{"keyName": kp}, map[string]any{"keyName": kp, "keyPairId": pairs[kp]})
	}
	arts := tr.artifacts()
	got, err := (&Lookup{Session: readOnly(t, srv.AWSConfig(t, "us-east-1"))}).LookupArtifacts(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	check(t, arts, got, map[string]string{
		"lambda-function:eu-west-1/miner":     "present: exists",
		"lambda-function:eu-west-1/throttled": "present: exists, throttled (reserved concurrency 0)",
		"lambda-function:eu-west-1/reserved":  "present: exists, reserved concurrency 5",
		"lambda-function:eu-west-1/removed":   "gone: deleted",
		"lambda-function:us-west-2/miner":     "gone: deleted",
		"key-pair:eu-west-1/miner":            "present: exists",
		"key-pair:eu-west-1/gone":             "gone: deleted",
		"key-pair:eu-west-1/elsewhere":        "gone: deleted",
	})
}

// Instance profiles: a role added to one is still in it or was removed, a profile made
// exists or was deleted, a profile associated with an instance is still or no longer on it.
func TestInstanceProfiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := moto.Start(t)
	s := session(t, srv.AWSConfig(t, "us-east-1"))
	const region = "us-east-1"
	str := aws.String
	ic := iam.NewFromConfig(s.Config)
	srv.Seed(t, "").Role("persist", trustEC2)
	for _, p := range []string{"kept", "emptied", "deleted"} {
		if _, err := ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: str(p)}); err != nil {
			t.Fatal(err)
		}
		if _, err := ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: str(p), RoleName: str("persist")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"emptied", "deleted"} {
		if _, err := ic.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: str(p), RoleName: str("persist")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ic.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: str("deleted")}); err != nil {
		t.Fatal(err)
	}

	ec := ec2.NewFromConfig(s.ForRegion(region))
	imgs, err := ec.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("moto has no images: %v", err)
	}
	run, err := ec.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(2), MaxCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	on, off := aws.ToString(run.Instances[0].InstanceId), aws.ToString(run.Instances[1].InstanceId)
	for _, id := range []string{on, off} {
		if _, err := ec.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: str(id), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: str("kept")}}); err != nil {
			t.Fatal(err)
		}
	}
	assoc, err := ec.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{
		Filters: []ec2types.Filter{{Name: str("instance-id"), Values: []string{off}}}})
	if err != nil || len(assoc.IamInstanceProfileAssociations) != 1 {
		t.Fatalf("association of %s: %v %+v", off, err, assoc)
	}
	if _, err := ec.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: assoc.IamInstanceProfileAssociations[0].AssociationId}); err != nil {
		t.Fatal(err)
	}

	tr := &trail{t: t}
	for _, p := range []string{"kept", "deleted"} {
		tr.iam("CreateInstanceProfile", map[string]any{"instanceProfileName": p})
	}
	for _, p := range []string{"kept", "emptied"} {
		tr.iam("AddRoleToInstanceProfile", map[string]any{"instanceProfileName": p, "roleName": "persist"})
	}
	tr.add("ec2", "AssociateIamInstanceProfile", region, map[string]any{"instanceId": on, "iamInstanceProfile": map[string]any{"name": "kept"}}, nil)
	tr.add("ec2", "AssociateIamInstanceProfile", region,
		map[string]any{"instanceId": off, "iamInstanceProfile": map[string]any{"arn": "arn:aws:iam::" + moto.Account + ":instance-profile/kept"}}, nil)
	arts := tr.artifacts()
	got, err := (&Lookup{Session: readOnly(t, srv.AWSConfig(t, "us-east-1"))}).LookupArtifacts(ctx, arts)
	if err != nil {
		t.Fatal(err)
	}
	check(t, arts, got, map[string]string{
		"instance-profile:kept/":           "present: exists",
		"instance-profile:deleted/":        "gone: deleted",
		"instance-profile:kept/persist":    "present: role persist in it",
		"instance-profile:emptied/persist": "gone: role persist removed",
		"instance-profile:kept/" + on:      "present: associated with instance " + on,
		"instance-profile:arn:aws:iam::" + moto.Account + ":instance-profile/kept/" + off: "gone: not associated with instance " + off,
	})
}
