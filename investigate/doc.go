// Package investigate is keypivot's domain: the checked access key id, alerts, CloudTrail
// events, correlation by access key, the case for one key (timeline, derived sessions,
// follow-ups, completeness), remediation plans, the confirmation rules and the runner
// that journals every write.
//
// It defines the small interfaces its adapters implement (EventSource, AlertSource,
// OwnerLookup, LiveLookup, Remediator, Journal, Prompter) and imports none of them: no
// file system, syscalls, cgo, network or generators, and no aws, elastic, files, tui or
// internal package (internal/layering checks this). Its subpackages report and sanitize
// render and neutralise text under the same rule.
package investigate
