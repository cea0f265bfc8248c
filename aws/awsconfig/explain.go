package awsconfig

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// iamPrefixes maps the SDK's service ids to the prefixes of their IAM actions.
var iamPrefixes = map[string]string{
	"IAM": "iam", "STS": "sts", "EC2": "ec2", "CloudTrail": "cloudtrail", "S3": "s3",
	"Athena": "athena", "Glue": "glue", "GuardDuty": "guardduty", "SecurityHub": "securityhub",
	"KMS": "kms", "Organizations": "organizations",
}

// actionOf maps operations whose IAM action has another name.
var actionOf = map[string]string{
	"S3.ListObjectsV2": "s3:ListBucket",
	"S3.ListObjects":   "s3:ListBucket",
	"S3.HeadBucket":    "s3:ListBucket",
	"S3.HeadObject":    "s3:GetObject",
}

// Permission is the IAM action an operation needs: Permission("IAM", "UpdateAccessKey")
// is "iam:UpdateAccessKey".
func Permission(serviceID, operation string) string {
	if a := actionOf[serviceID+"."+operation]; a != "" {
		return a
	}
	prefix := iamPrefixes[serviceID]
	if prefix == "" {
		prefix = strings.ToLower(strings.ReplaceAll(serviceID, " ", ""))
	}
	return prefix + ":" + operation
}

// deniedCodes are the error codes AWS answers a call the caller may not make with.
var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"Client.UnauthorizedOperation": true, "UnauthorizedAccess": true, "AuthorizationError": true,
	"AuthorizationErrorException": true, "Forbidden": true,
}

// notAuthorized finds the action AWS names in its message: "... is not authorized to
// perform: iam:GetUser on resource ..." (more precise than the operation: a GetObject can
// be denied for kms:Decrypt).
var notAuthorized = regexp.MustCompile(`not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9*]+)`)

// DeniedError is a call AWS refused for want of a permission.
type DeniedError struct {
	// Permission is the IAM action that is missing ("iam:GetAccessKeyLastUsed").
	Permission string
	// Code is AWS's error code (AccessDenied, UnauthorizedOperation).
	Code string
	Err  error
}

func (e *DeniedError) Error() string {
	msg := fmt.Sprintf("access denied: the caller lacks IAM permission %s", e.Permission)
	if e.Code == "UnauthorizedOperation" || e.Code == "Client.UnauthorizedOperation" {
		msg += " (decode the message's details with aws sts decode-authorization-message)"
	}
	return msg + ": " + e.Err.Error()
}

func (e *DeniedError) Unwrap() error { return e.Err }

// CredentialError is a call refused because of the credentials themselves.
type CredentialError struct {
	Hint string
	Err  error
}

func (e *CredentialError) Error() string { return e.Hint + ": " + e.Err.Error() }
func (e *CredentialError) Unwrap() error { return e.Err }

// Explain turns an error of operation serviceID/operation into one that says what to do:
// a DeniedError naming the IAM permission, or a CredentialError. Other errors are
// returned as they are.
func Explain(serviceID, operation string, err error) error {
	if err == nil {
		return nil
	}
	var de *DeniedError
	var ce *CredentialError
	if errors.As(err, &de) || errors.As(err, &ce) {
		return err
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err
	}
	code := ae.ErrorCode()
	switch {
	case deniedCodes[code]:
		perm := Permission(serviceID, operation)
		if m := notAuthorized.FindStringSubmatch(ae.ErrorMessage()); m != nil {
			perm = m[1]
		}
		return &DeniedError{Permission: perm, Code: code, Err: err}
	case code == "InvalidClientTokenId" || code == "InvalidAccessKeyId":
		return &CredentialError{Hint: "AWS does not accept the access key keypivot signs with (deactivated, deleted, or of another partition)", Err: err}
	case code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired":
		return &CredentialError{Hint: "the AWS session has expired: log in again (aws sso login) and restart keypivot", Err: err}
	case code == "UnrecognizedClientException":
		return &CredentialError{Hint: "the security token is not valid here (a region not enabled for the account, or a deactivated key)", Err: err}
	case code == "SignatureDoesNotMatch":
		return &CredentialError{Hint: "the request signature does not match: check the secret key and the clock", Err: err}
	}
	return err
}

// IsDenied reports whether err is a refusal for want of a permission.
func IsDenied(err error) bool {
	var de *DeniedError
	return errors.As(err, &de)
}

// ErrorCode is AWS's error code in err ("" when err is not an AWS error).
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// RequestID is AWS's request id of a call, from a result's metadata.
func RequestID(md middleware.Metadata) string {
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	return id
}

// ErrorRequestID is AWS's request id of a failed call ("" when it never reached AWS).
func ErrorRequestID(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}

var errorTranslation = middleware.InitializeMiddlewareFunc("keypivot.ExplainErrors", func(
	ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler,
) (middleware.InitializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleInitialize(ctx, in)
	if err != nil {
		svc, op := operationNames(ctx)
		err = Explain(svc, op, err)
	}
	return out, md, err
})

func addErrorTranslation(s *middleware.Stack) error {
	return s.Initialize.Add(errorTranslation, middleware.Before)
}
