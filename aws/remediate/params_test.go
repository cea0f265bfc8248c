package remediate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// A call without a parameter it needs is refused before anything reaches AWS: AWS
// would fill the gap with the caller (its own keys, its own console password) or the
// session's region.
func TestCallsMissingAParameterAreRefused(t *testing.T) {
	t.Parallel()
	e := setup(t)
	rem, _ := e.responder(t, "", false)
	iamCall := func(op string, params map[string]any) investigate.APICall {
		return investigate.APICall{Service: "iam", Operation: op, Params: params}
	}
	regional := func(svc, op, region string, params map[string]any) investigate.APICall {
		return investigate.APICall{Service: svc, Operation: op, Region: region, Params: params}
	}
	for _, tc := range []struct {
		call investigate.APICall
		want string
	}{
		{iamCall("DeleteLoginProfile", map[string]any{}), "would delete the caller's own console password"},
		{iamCall("UpdateAccessKey", map[string]any{"AccessKeyId": e.key, "Status": "Inactive"}), "would act on the caller's own keys"},
		{iamCall("DetachUserPolicy", map[string]any{"UserName": "alice"}), "without PolicyArn"},
		{iamCall("AttachGroupPolicy", map[string]any{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}), "without GroupName"},
		{iamCall("DeleteRolePolicy", map[string]any{"RoleName": "r"}), "without PolicyName"},
		{iamCall("PutGroupPolicy", map[string]any{"GroupName": "g", "PolicyName": "p"}), "without PolicyDocument"},
		{iamCall("UpdateAssumeRolePolicy", map[string]any{"RoleName": "r"}), "without PolicyDocument"},
		{iamCall("RemoveUserFromGroup", map[string]any{"GroupName": "g"}), "without UserName"},
		{iamCall("AddUserToGroup", map[string]any{"UserName": "alice"}), "without GroupName"},
		{iamCall("DeleteUser", map[string]any{"UserName": "alice"}), "does not make iam:DeleteUser"},
		{regional("ec2", "DeleteKeyPair", "", map[string]any{"KeyName": "k"}), "without a region"},
		{regional("ec2", "DeleteKeyPair", "eu-west-1", map[string]any{}), "without KeyName"},
		{regional("ec2", "StartInstances", "eu-west-1", map[string]any{}), "no instance ids"},
		{regional("lambda", "PutFunctionConcurrency", "eu-west-1", map[string]any{"FunctionName": "f"}), "without ReservedConcurrentExecutions"},
		{regional("lambda", "PutFunctionConcurrency", "eu-west-1", map[string]any{"FunctionName": "f", "ReservedConcurrentExecutions": -1}), "not a whole number"},
		{regional("lambda", "PutFunctionConcurrency", "eu-west-1", map[string]any{"FunctionName": "f", "ReservedConcurrentExecutions": 0.5}), "not a whole number"},
		{regional("lambda", "PutFunctionConcurrency", "eu-west-1", map[string]any{"FunctionName": "f", "ReservedConcurrentExecutions": "0"}), "not a number"},
		{regional("lambda", "PutFunctionConcurrency", "", map[string]any{"FunctionName": "f", "ReservedConcurrentExecutions": 0}), "without a region"},
		{regional("lambda", "DeleteFunctionConcurrency", "eu-west-1", map[string]any{}), "without FunctionName"},
	} {
		a := investigate.Action{ID: "test", Kind: investigate.ActDetachPolicy, Title: "test", Calls: []investigate.APICall{tc.call}}
		ids, err := rem.Apply(context.Background(), a)
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(ids) != 0 {
			t.Errorf("%s: %v (ids %v), want %q", tc.call, err, ids, tc.want)
		}
	}
	e.wire.mu.Lock()
	defer e.wire.mu.Unlock()
	for op, n := range e.wire.n {
		if op != "GetCallerIdentity" {
			t.Errorf("%d %s reached moto", n, op)
		}
	}
}

// ReservedConcurrentExecutions is a whole number as planned (int) and as read back from
// the journal's JSON (float64, or json.Number from a decoder that keeps numbers).
func TestReservedConcurrencyAsPlannedAndAsJournalled(t *testing.T) {
	for _, v := range []any{0, int32(0), int64(0), float64(0), json.Number("0")} {
		n, err := reservedConcurrency(investigate.APICall{Params: map[string]any{"ReservedConcurrentExecutions": v}})
		if err != nil || n != 0 {
			t.Errorf("%T %v: %d %v", v, v, n, err)
		}
	}
	n, err := reservedConcurrency(investigate.APICall{Params: map[string]any{"ReservedConcurrentExecutions": float64(25)}})
	if err != nil || n != 25 {
		t.Errorf("25: %d %v", n, err)
	}
	for _, v := range []any{float64(1 << 40), json.Number("x"), true} {
		if _, err := reservedConcurrency(investigate.APICall{Params: map[string]any{"ReservedConcurrentExecutions": v}}); err == nil {
			t.Errorf("%T %v accepted", v, v)
		}
	}
}
