package investigate

// SetKeyStatus records the key's status as an action read it back (Inactive after a
// deactivation), over what the sources said when the case was built, and says again
// what follows from it: the assessment (no "deactivate the key now" for a key that is
// Inactive) and the plan's checks read the status.
func (c *Case) SetKeyStatus(status string) {
	if status == "" || status == c.Owner.Status {
		return
	}
	c.Owner.Status = status
	c.Assessment = assess(c)
}
