package remediate

import (
	"encoding/json"
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
	var f float64
	switch v := c.Params[name].(type) {
	case nil:
		return 0, fmt.Errorf("refused: %s:%s without %s", c.Service, c.Operation, name)
	case int:
		f = float64(v)
	case int32:
		f = float64(v)
	case int64:
		f = float64(v)
	case float64:
		f = v
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			return 0, fmt.Errorf("refused: %s %q is not a number", name, v)
		}
	default:
		return 0, fmt.Errorf("refused: %s is %v (%T), not a number", name, v, v)
	}
	if f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return 0, fmt.Errorf("refused: %s %v is not a whole number of executions", name, f)
	}
	return int32(f), nil
}
