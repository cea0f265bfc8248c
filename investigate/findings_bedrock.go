package investigate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// LLM-jacking: stolen credentials used to run Bedrock models at the account's expense.
// The attacker lists the models and their availability, enables access to the ones it
// wants (a use-case form, a model agreement, an entitlement), then invokes them. Elastic
// raises "AWS Bedrock Foundation Model Enumeration Followed by Invocation via Long-Term
// Key" (a17f2e5f-de52-49e8-9d86-ccfe91cd54d4) on the first and last steps.

// bedrockSteps names each Bedrock call of the pattern and its step.
var bedrockSteps = map[string]string{
	"ListFoundationModels":                      "discovery",
	"GetFoundationModel":                        "discovery",
	"GetFoundationModelAvailability":            "discovery",
	"ListFoundationModelAgreementOffers":        "discovery",
	"GetUseCaseForModelAccess":                  "discovery",
	"ListInferenceProfiles":                     "discovery",
	"ListCustomModels":                          "discovery",
	"PutUseCaseForModelAccess":                  "access",
	"CreateFoundationModelAgreement":            "access",
	"PutFoundationModelEntitlement":             "access",
	"InvokeModel":                               "invoke",
	"InvokeModelWithResponseStream":             "invoke",
	"Converse":                                  "invoke",
	"ConverseStream":                            "invoke",
	"GetModelInvocationLoggingConfiguration":    "discovery",
	"DeleteModelInvocationLoggingConfiguration": "evasion",
	"PutModelInvocationLoggingConfiguration":    "evasion",
}

var ownsBedrock = ownsNames("bedrock", bedrockSteps)

func bedrockFinding(signer string, events []*Event) Finding {
	var disc, access, invoke, evasion tally
	var models []string
	var inTokens, outTokens int
	// modelOf caches the model of each request: an invocation spree repeats the same
	// request (the event holds it interned), and is decoded once.
	modelOf := map[string]string{}
	for _, e := range events {
		switch bedrockSteps[e.Name] {
		case "discovery":
			disc.add(e)
		case "access":
			access.add(e)
		case "invoke":
			invoke.add(e)
			if !e.Failed() {
				req := e.Request()
				m, ok := modelOf[string(req)]
				if !ok {
					m = modelName(decodeObject(req).str("modelId"))
					modelOf[string(req)] = m
				}
				if m != "" {
					models = appendUnique(models, m)
				}
				in, out := invocationTokens(e)
				inTokens += in
				outTokens += out
			}
		case "evasion":
			evasion.add(e)
		}
	}
	f := Finding{Category: CatResourceHijack, Signer: signer, Action: "bedrock:InvokeModel"}
	switch {
	case invoke.ok() > 0:
		f.Title = fmt.Sprintf("LLM-jacking: %s of %s", Plural(invoke.ok(), "Bedrock model invocation"), Plural(len(models), "model"))
		f.Severity = SeverityHigh
		if disc.calls+access.calls > 0 {
			f.Severity = SeverityCritical
		}
	case access.ok() > 0:
		f.Title, f.Severity, f.Action = "Bedrock model access enabled", SeverityHigh, "bedrock:PutUseCaseForModelAccess"
	case invoke.calls+access.calls > 0:
		f.Title, f.Severity = "Bedrock model use attempted, failed", SeverityMedium
	case evasion.ok() > 0:
		f.Title, f.Severity, f.Category, f.Action = "Bedrock model invocation logging changed", SeverityHigh, CatDefenseEvasion, "bedrock:DeleteModelInvocationLoggingConfiguration"
	default:
		f.Title, f.Severity, f.Category, f.Action = "Bedrock model discovery: "+Plural(disc.calls, "call"), SeverityMedium, CatDiscovery, "bedrock:ListFoundationModels"
	}
	var parts []string
	if len(models) > 0 {
		parts = append(parts, "models "+listShort(models, 4))
	}
	if inTokens+outTokens > 0 {
		parts = append(parts, fmt.Sprintf("%s input and %s output tokens", Thousands(inTokens), Thousands(outTokens)))
	}
	if disc.calls > 0 {
		parts = append(parts, Plural(disc.calls, "discovery call")+" ("+strings.Join(disc.actions, ", ")+")")
	}
	if access.calls > 0 {
		parts = append(parts, "model access: "+strings.Join(access.actions, ", "))
	}
	if evasion.calls > 0 {
		parts = append(parts, "invocation logging: "+strings.Join(evasion.actions, ", "))
	}
	parts = append(parts, failedParts(&invoke, &access, &evasion)...)
	f.Detail = joinParts(parts...)
	merge(&f, &access, &invoke, &evasion, &disc)
	return f
}

// modelName shortens a model id or ARN to the model's name
// (arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2 -> anthropic.claude-v2).
func modelName(id string) string {
	if i := strings.LastIndexByte(id, '/'); i >= 0 && strings.HasPrefix(id, "arn:") {
		return id[i+1:]
	}
	return id
}

// invocationTokens reads the tokens an invocation used (additionalEventData.inputTokens
// and outputTokens, held with the event however its record is kept); 0, 0 when the
// record says none.
func invocationTokens(e *Event) (in, out int) {
	add := e.AdditionalEventData()
	if !bytes.Contains(add, []byte("Tokens")) {
		return 0, 0
	}
	var rec struct {
		InputTokens  json.Number `json:"inputTokens"`
		OutputTokens json.Number `json:"outputTokens"`
	}
	if json.Unmarshal(add, &rec) != nil {
		return 0, 0
	}
	i, _ := rec.InputTokens.Int64()
	o, _ := rec.OutputTokens.Int64()
	return int(i), int(o)
}
