package remediate

import (
	"errors"
	"fmt"
	"math"

	"github.com/keypivot/keypivot/investigate"
)

// needInstances refuses an EC2 instance call without instance ids.
func needInstances(c investigate.APICall) error {
	if len(c.ParamList("InstanceIds")) == 0 {
		return errors.New("no instance ids")
	}
	return nil
}

// reservedConcurrency is the call's ReservedConcurrentExecutions: a whole number from 0
// up, as planned (an int) or as read back from the journal's JSON (a float64).
func reservedConcurrency(c investigate.APICall) (int32, error) {
	const name = "ReservedConcurrentExecutions"
	v := c.Params[name]
	if v == nil {
		return 0, fmt.Errorf("refused: %s:%s without %s", c.Service, c.Operation, name)
	}
	f, ok := c.ParamNumber(name)
	if !ok {
		return 0, fmt.Errorf("refused: %s is %v (%T), not a number", name, v, v)
	}
	n, whole := c.ParamInt(name)
	if !whole || n < 0 || n > math.MaxInt32 {
		return 0, fmt.Errorf("refused: %s %v is not a whole number of executions", name, f)
	}
	return int32(n), nil
}
