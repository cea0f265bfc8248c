package simaccount

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// Apply implements investigate.Remediator: it makes the action's calls in order, as AWS
// would answer them, and stops at the first that fails.
func (a *Account) Apply(_ context.Context, act investigate.Action) ([]string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.FailApply; err != nil {
		a.FailApply = nil
		return nil, err
	}
	var ids []string
	for _, call := range act.Calls {
		if dry, _ := call.Params["DryRun"].(bool); dry {
			continue // a DryRun answers DryRunOperation and changes nothing
		}
		if err := a.call(call); err != nil {
			return ids, err
		}
		a.seq++
		a.writes++
		ids = append(ids, fmt.Sprintf("sim-%06d", a.seq))
	}
	return ids, nil
}

// call makes one call.
func (a *Account) call(call investigate.APICall) error {
	op := call.Operation
	switch call.Service {
	case "iam":
		if kind, verb, ok := policyOp(op); ok {
			return a.policyCall(kind, verb, call)
		}
		return a.iamCall(call)
	case "lambda":
		return a.lambdaCall(call)
	case "ec2":
		return a.ec2Call(call)
	}
	return errors.New("simulated account does not implement " + call.Service + ":" + op)
}

// policyOp splits Put/Delete/Attach/Detach + User/Role/Group + Policy.
func policyOp(op string) (kind, verb string, ok bool) {
	rest, found := strings.CutSuffix(op, "Policy")
	if !found {
		return "", "", false
	}
	for _, v := range []string{"Put", "Delete", "Attach", "Detach"} {
		if k, found := strings.CutPrefix(rest, v); found {
			switch k {
			case "User", "Role", "Group":
				return strings.ToLower(k), v, true
			}
		}
	}
	return "", "", false
}

// noSuchPrincipal is IAM's answer for a user, role or group that does not exist.
func noSuchPrincipal(kind, name string) error {
	return fmt.Errorf("NoSuchEntity: The %s with name %s cannot be found.", kind, name)
}

// policyCall puts, deletes, attaches or detaches a policy of a user, role or group.
func (a *Account) policyCall(kind, verb string, call investigate.APICall) error {
	name := principalName(kind, call)
	p := a.principals[principalID(kind, name)]
	if p == nil {
		return noSuchPrincipal(kind, name)
	}
	switch verb {
	case "Put":
		doc := call.Param("PolicyDocument")
		if doc == "" {
			return errors.New("MalformedPolicyDocument: the policy document is empty")
		}
		p.inline[call.Param("PolicyName")] = doc
	case "Delete":
		policy := call.Param("PolicyName")
		if _, ok := p.inline[policy]; !ok {
			return fmt.Errorf("NoSuchEntity: The %s policy with name %s cannot be found.", kind, policy)
		}
		delete(p.inline, policy)
	case "Attach":
		p.attached[call.Param("PolicyArn")] = true
	case "Detach":
		arn := call.Param("PolicyArn")
		if !p.attached[arn] {
			return fmt.Errorf("NoSuchEntity: Policy %s was not found.", arn)
		}
		delete(p.attached, arn)
	}
	return nil
}

// iamCall makes the IAM calls that are not policy calls.
func (a *Account) iamCall(call investigate.APICall) error {
	user := a.principals[principalID(kindUser, call.Param("UserName"))]
	switch call.Operation {
	case "UpdateAccessKey":
		id := call.Param("AccessKeyId")
		k := a.keys[id]
		if k == nil {
			return fmt.Errorf("NoSuchEntity: the access key %s does not exist", id)
		}
		if u := call.Param("UserName"); u != "" && u != k.user {
			return fmt.Errorf("NoSuchEntity: the access key %s does not belong to user %s", id, u)
		}
		k.status = call.Param("Status")
	case "UpdateAssumeRolePolicy":
		role := a.principals[principalID(kindRole, call.Param("RoleName"))]
		if role == nil {
			return noSuchPrincipal(kindRole, call.Param("RoleName"))
		}
		if call.Param("PolicyDocument") == "" {
			return errors.New("MalformedPolicyDocument: the policy document is empty")
		}
		role.trust = call.Param("PolicyDocument")
	case "AddUserToGroup", "RemoveUserFromGroup":
		group := call.Param("GroupName")
		switch {
		case user == nil:
			return noSuchPrincipal(kindUser, call.Param("UserName"))
		case a.principals[principalID(kindGroup, group)] == nil:
			return noSuchPrincipal(kindGroup, group)
		case call.Operation == "AddUserToGroup":
			user.groups[group] = true
		case !user.groups[group]:
			return fmt.Errorf("NoSuchEntity: The user with name %s cannot be found in group %s.", call.Param("UserName"), group)
		default:
			delete(user.groups, group)
		}
	case "DeleteLoginProfile":
		if user == nil || !user.login {
			return fmt.Errorf("NoSuchEntity: Login Profile for User %s cannot be found.", call.Param("UserName"))
		}
		user.login = false
	default:
		return errors.New("simulated account does not implement iam:" + call.Operation)
	}
	return nil
}

// lambdaCall sets or removes a function's reserved concurrency.
func (a *Account) lambdaCall(call investigate.APICall) error {
	name := call.Param("FunctionName")
	f := a.functions[call.Region+"/"+name]
	if f == nil {
		return fmt.Errorf("ResourceNotFoundException: Function not found: arn:aws:lambda:%s:%s:function:%s", call.Region, a.caller.Account, name)
	}
	switch call.Operation {
	case "PutFunctionConcurrency":
		n, ok := call.ParamInt("ReservedConcurrentExecutions")
		if !ok || n < 0 {
			return errors.New("InvalidParameterValueException: ReservedConcurrentExecutions must be a whole number, 0 or more")
		}
		f.reserved = &n
	case "DeleteFunctionConcurrency":
		f.reserved = nil
	default:
		return errors.New("simulated account does not implement lambda:" + call.Operation)
	}
	return nil
}

// ec2Call stops or starts instances, or deletes a key pair.
func (a *Account) ec2Call(call investigate.APICall) error {
	switch call.Operation {
	case "StopInstances", "StartInstances":
		// As planned ([]string) or as read back from the journal ([]any).
		ids := call.ParamList("InstanceIds")
		if len(ids) == 0 {
			return errors.New("InvalidParameterCombination: no instance ids")
		}
		for _, id := range ids {
			st, ok := a.instances[id]
			switch {
			case !ok:
				return fmt.Errorf("InvalidInstanceID.NotFound: %s", id)
			case st == "terminated" && call.Operation == "StartInstances":
				return fmt.Errorf("IncorrectInstanceState: The instance '%s' is not in a state from which it can be started.", id)
			}
		}
		for _, id := range ids {
			switch {
			case a.instances[id] == "terminated":
			case call.Operation == "StopInstances":
				a.instances[id] = "stopped"
			default:
				a.instances[id] = "running"
			}
		}
	case "DeleteKeyPair":
		// EC2 answers success whether or not the key pair exists.
		delete(a.keyPairs, call.Region+"/"+call.Param("KeyName"))
	default:
		return errors.New("simulated account does not implement ec2:" + call.Operation)
	}
	return nil
}
