// Package guardduty is a GuardDuty test server: the REST-JSON API the aws-sdk-go-v2
// service/guardduty client uses for finding look-ups, which moto does not serve
// (facts §5). Point the client at it with BaseEndpoint:
//
//	gdSrv := guardduty.New(t, guardduty.WithCredentials("AKIDTEST", "secret"))
//	gdSrv.AddFindings("us-east-1", guardduty.SampleFindings(gdSrv.AccountID(), "us-east-1", "AKIA...")...)
//	client := gd.New(gd.Options{Region: "us-east-1", BaseEndpoint: aws.String(gdSrv.URL()),
//		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
//
// # Regions and authentication
//
// The region comes from the SigV4 credential scope, and each region has its own
// detectors and findings. Unsigned requests get 403 MissingAuthenticationTokenException.
// With WithCredentials the signature is verified by re-signing the request with the
// SDK's signer: an unknown key is UnrecognizedClientException, a wrong secret
// InvalidSignatureException; without it any signer is accepted. DisableRegion makes a
// region answer as an opt-in region the account has not enabled (403
// UnrecognizedClientException).
//
// # Operations
//
//   - ListDetectors: GET /detector?maxResults&nextToken.
//   - ListFindings: POST /detector/{detectorId}/findings with findingCriteria.criterion
//     (fields from the API reference's list, e.g. resource.accessKeyDetails.accessKeyId,
//     service.archived, severity, type, updatedAt; conditions eq/equals, neq/notEquals,
//     gt/gte/lt/lte, greaterThan/greaterThanOrEqual/lessThan/lessThanOrEqual,
//     matches/notMatches; updatedAt compares epoch milliseconds), sortCriteria,
//     maxResults 1..50 (default 50), nextToken. Without sortCriteria findings come in
//     the order they were added.
//   - GetFindings: POST /detector/{detectorId}/findings/get with at most 50 findingIds;
//     unknown ids are left out.
//
// Errors use the rest-json shape (X-Amzn-ErrorType header, {"message"} body):
// BadRequestException for out-of-range values (maxResults > 50, more than 50 ids, an
// unknown criterion field, a nextToken replayed with other criteria) and for a detector
// not in the region ("...is not owned by the current account."). nextToken is "" on the
// last page, as the SDK paginators expect.
//
// # Limits and faults
//
// WithRateLimit(perSecond, burst) gives every region its own token bucket; beyond it
// the answer is 429 TooManyRequestsException, which the SDK's standard retryer retries.
// InjectFault fails (or delays) requests by region and operation. Requests(op),
// RequestsIn(region, op) and RequestLog support assertions.
//
// # Findings
//
// AddFindings takes findings in wire form (camelCase JSON names, as the API sends
// them) and fills in what GuardDuty would (id, arn, accountId, region, detectorId,
// archived...). FromCLI and FromCLIOutput convert the PascalCase form `aws guardduty
// get-findings` prints, using the GuardDuty model (shapes.json, extracted from
// botocore by gen_shapes.go) so irregular names (Latitude -> lat, Code ->
// productCodeId) and data-keyed maps come out right. SampleFindings returns three
// IAM access-key findings (InstanceCredentialExfiltration.OutsideAWS,
// Discovery:IAMUser/AnomalousBehavior, Recon:IAMUser/MaliciousIPCaller).
// SampleAttackSequence returns an attack-sequence finding
// (AttackSequence:IAM/CompromisedCredentials) whose Service.Detection.Sequence has the
// API reference's shape: its key is its actor's credentialUid, so ListFindings finds it
// by the type criterion, not by resource.accessKeyDetails.accessKeyId.
//
// # Known differences from GuardDuty
//
// Only the three finding look-up operations exist; the default order of ListFindings is
// insertion order (GuardDuty documents none); the rate limit is off unless configured
// (GuardDuty's own quotas are not published per operation).
//
// As a test server it imports only the standard library, the AWS SDK where it signs or
// models requests, and its sibling test-server packages; no keypivot adapter or domain
// package, so that what it checks is the wire protocol, not keypivot's own types.
package guardduty
