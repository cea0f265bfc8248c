package simkibana

import (
	"context"
	"fmt"

	"github.com/keypivot/keypivot/investigate"
)

// State implements investigate.Remediator: the alerts' statuses, or the key's case, in
// the words elastic's Kibana remediator uses, and whether the action is in effect.
func (k *Kibana) State(_ context.Context, a investigate.Action) (string, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch a.Kind {
	case investigate.ActKibanaSetStatus:
		return k.statusState(a)
	case investigate.ActKibanaCreateCase:
		return k.caseState(a)
	}
	return "", false, investigate.NotKibanaAction(a)
}

// Apply implements investigate.Remediator. Creating a case first looks for the case the
// key already has (its tag) and completes it: a rerun after a crash never makes two.
func (k *Kibana) Apply(_ context.Context, a investigate.Action) ([]string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	defer k.endApply()
	switch a.Kind {
	case investigate.ActKibanaSetStatus:
		return k.setStatus(a)
	case investigate.ActKibanaCreateCase:
		return k.createCase(a)
	}
	return nil, investigate.NotKibanaAction(a)
}

// write counts one write about to be made, or fails it when FailAfter says the
// connection drops now.
func (k *Kibana) write() error {
	if k.failAfter != nil {
		if *k.failAfter == 0 {
			err := k.failErr
			k.failAfter, k.failErr = nil, nil
			return err
		}
		*k.failAfter--
	}
	k.writes++
	return nil
}

// endApply forgets a FailAfter the Apply did not reach: it was for that Apply only.
func (k *Kibana) endApply() { k.failAfter, k.failErr = nil, nil }

// badRequest is Kibana's 400 answer to a request to path in space sp.
func badRequest(method, sp, path, format string, args ...any) error {
	return &investigate.KibanaError{Method: method, Path: investigate.KibanaSpacePath(sp) + path, Status: 400, Message: fmt.Sprintf(format, args...)}
}
