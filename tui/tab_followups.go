package tui

import (
	"fmt"

	"github.com/keypivot/keypivot/investigate"
)

// followUpLines draws key pairs -> launches -> instances as a tree.
func followUpLines(st *styles, c *investigate.Case, width int) ([]textLine, []target) {
	b := &lineBuilder{st: st, width: width}
	fu := c.FollowUps
	if len(fu.KeyPairs)+len(fu.Launches)+len(fu.Instances) == 0 {
		b.none(c.Completeness.Events.NoneIn("no CreateKeyPair, ImportKeyPair or RunInstances by the key or its sessions"))
		return b.lines, b.targets
	}
	live := false
	for _, i := range fu.Instances {
		if i.State != "" || i.LiveError != "" {
			live = true
		}
	}
	instancesOf := map[string][]investigate.Instance{}
	for _, i := range fu.Instances {
		instancesOf[i.LaunchEvent] = append(instancesOf[i.LaunchEvent], i)
	}
	launch := func(l investigate.Launch, indent string) {
		by := clean(l.Signer)
		if l.MatchedBy == investigate.MatchedByKeyPair {
			by += " (another signer, with the key's key pair)"
		}
		what := fmt.Sprintf("%sRunInstances %s %s x%d ", indent, shortTime(l.Time), orDash(clean(l.InstanceType)), max(l.MaxCount, 1))
		if l.ErrorCode != "" {
			what += st.danger.Render("FAILED "+clean(l.ErrorCode)) + " "
		}
		what += "by " + by
		b.addTarget(what, targetEvent, l.EventID)
		for _, i := range instancesOf[l.EventID] {
			state := clean(i.State)
			switch {
			case state == "" && !live:
				state = "state unknown (no live source)"
			case state == "":
				state = "state unknown"
			case i.State == "running" || i.State == "pending":
				state = st.warn.Render(state)
			}
			s := fmt.Sprintf("%s  └ instance %s %s %s", indent, clean(i.InstanceID), clean(i.Region), state)
			if i.PublicIP != "" {
				s += " " + clean(i.PublicIP)
			}
			if i.LiveError != "" {
				s += " (" + clean(i.LiveError) + ")"
			}
			b.add(s)
		}
	}
	used := map[string]bool{}
	b.section("KEY PAIRS → LAUNCHES → INSTANCES")
	for _, kp := range fu.KeyPairs {
		s := fmt.Sprintf("  key pair %s (%s) %s %s · %s by %s", clean(kp.Name), orDash(clean(kp.ID)), clean(kp.Region), clean(kp.Account), clean(kp.EventName), clean(kp.Signer))
		if kp.ErrorCode != "" {
			s += " " + st.danger.Render("FAILED "+clean(kp.ErrorCode))
		}
		if kp.Exists != nil {
			if *kp.Exists {
				s += " " + st.warn.Render("exists")
			} else {
				s += " deleted"
			}
		}
		b.addTarget(s, targetEvent, kp.EventID)
		keyPairOrigin(b, &kp)
		n := 0
		for _, l := range fu.Launches {
			if l.KeyName == kp.Name && l.Region == kp.Region {
				launch(l, "    ")
				used[l.EventID] = true
				n++
			}
		}
		if n == 0 {
			b.add(st.dim.Render("    no launch used it"))
		}
	}
	var rest []investigate.Launch
	for _, l := range fu.Launches {
		if !used[l.EventID] {
			rest = append(rest, l)
		}
	}
	if len(rest) > 0 {
		b.section("OTHER LAUNCHES BY THE KEY OR ITS SESSIONS")
		for _, l := range rest {
			launch(l, "  ")
		}
	}
	return b.lines, b.targets
}

// keyPairOrigin adds, under a key pair, where its call came from (address and network),
// whether it was its principal's first, and what the CreateKeyPair rule makes of it: in
// the danger style when the rule fires, dim otherwise.
func keyPairOrigin(b *lineBuilder, kp *investigate.KeyPair) {
	st := b.st
	origin := st.dim
	if kp.Network.Class == investigate.NetNonCloud {
		origin = st.warn
	}
	rule := st.dim
	switch kp.Rule {
	case investigate.RuleFires:
		rule = st.danger
	case investigate.RuleUnknown:
		rule = st.warn
	}
	b.parts("      ", []string{clean(kp.OriginText())}, &origin)
	b.parts("      ", []string{clean(kp.FirstText())}, &st.dim)
	b.parts("      ", []string{clean(kp.RuleText())}, &rule)
}
