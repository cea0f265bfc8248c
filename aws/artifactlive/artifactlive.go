// Package artifactlive reads whether a case's artifacts are still in place: the users,
// login profiles, access keys, policies, group memberships, roles and trust policies the
// key's lineage left in IAM (iam:Get*, iam:List*), its Lambda functions
// (lambda:GetFunction, lambda:GetFunctionConcurrency) and EC2 key pairs
// (ec2:DescribeKeyPairs), and the instance profiles it made or used
// (iam:GetInstanceProfile, ec2:DescribeIamInstanceProfileAssociations).
//
// Each artifact is read on its own: one that cannot be read carries an Error (a missing
// permission, an account without a profile) and the others are unaffected.
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package artifactlive

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"golang.org/x/sync/errgroup"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// DefaultConcurrency is how many artifacts are read at once when Lookup.Concurrency is 0:
// a few, so that a large case stays under IAM's request rate.
const DefaultConcurrency = 4

// Lookup is an investigate.ArtifactLookup over IAM, Lambda and EC2.
type Lookup struct {
	// Session is the caller's; Accounts are sessions of other accounts, by account id.
	Session  *awsconfig.Session
	Accounts map[string]*awsconfig.Session
	// Concurrency bounds the artifacts read at once (DefaultConcurrency when 0).
	Concurrency int
}

var _ investigate.ArtifactLookup = (*Lookup)(nil)

// LookupArtifacts implements investigate.ArtifactLookup: every artifact asked about is in
// the map, by ID, with its state or an Error. The error is for a lookup that could not
// run at all (no session, a cancelled context).
func (l *Lookup) LookupArtifacts(ctx context.Context, artifacts []investigate.Artifact) (map[string]investigate.ArtifactLive, error) {
	out := make(map[string]investigate.ArtifactLive, len(artifacts))
	if l.Session == nil {
		return out, errors.New("live artifact lookup: no AWS session")
	}
	n := l.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	// First every artifact gets its reader, or its error; then the readers run, and only
	// they write to out.
	type job struct {
		r *reader
		a investigate.Artifact
	}
	var jobs []job
	readers := map[string]*reader{}
	for _, a := range artifacts {
		if _, seen := out[a.ID]; seen {
			continue
		}
		account := a.Account
		if account == "" {
			account = l.Session.Identity.Account
		}
		sess := l.sessionFor(account)
		if sess == nil {
			out[a.ID] = investigate.ArtifactLive{Error: fmt.Sprintf(
				"account %s: reading whether %s is still in place needs a profile of that account (--account-profile %s=PROFILE)",
				account, cmp.Or(a.Resource, a.ID), account)}
			continue
		}
		r := readers[account]
		if r == nil {
			r = &reader{sess: sess, iam: iam.NewFromConfig(sess.Config)}
			readers[account] = r
		}
		out[a.ID] = investigate.ArtifactLive{Error: "not read"} // marks the ID as taken
		jobs = append(jobs, job{r, a})
	}
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(n)
	for _, j := range jobs {
		g.Go(func() error {
			live := j.r.read(ctx, j.a) // a failure is the artifact's Error, not the group's
			mu.Lock()
			out[j.a.ID] = live
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return out, ctx.Err()
}

func (l *Lookup) sessionFor(account string) *awsconfig.Session {
	if account == l.Session.Identity.Account {
		return l.Session
	}
	return l.Accounts[account]
}

// reader reads artifacts of one account.
type reader struct {
	sess *awsconfig.Session
	iam  *iam.Client
}

// read is one artifact's state; a failure to read it becomes its Error.
func (r *reader) read(ctx context.Context, a investigate.Artifact) investigate.ArtifactLive {
	if err := ctx.Err(); err != nil {
		return investigate.ArtifactLive{Error: err.Error()}
	}
	var (
		live investigate.ArtifactLive
		err  error
	)
	switch a.Kind {
	case investigate.ArtUser:
		live, err = r.user(ctx, a.User)
	case investigate.ArtLoginProfile:
		live, err = r.loginProfile(ctx, a.User)
	case investigate.ArtAccessKey:
		live, err = r.accessKey(ctx, a.User, a.AccessKeyID)
	case investigate.ArtAttachedPolicy:
		live, err = r.attachedPolicy(ctx, principalOf(a), a.PolicyARN)
	case investigate.ArtInlinePolicy:
		live, err = r.inlinePolicy(ctx, principalOf(a), a.PolicyName, a.Document)
	case investigate.ArtGroupMembership:
		live, err = r.groupMembership(ctx, a.User, a.Group)
	case investigate.ArtRole:
		live, err = r.role(ctx, a.Role)
	case investigate.ArtTrustPolicy:
		live, err = r.trustPolicy(ctx, a.Role, a.Document)
	case investigate.ArtLambdaFunction:
		live, err = r.function(ctx, r.region(a.Region), a.FunctionName)
	case investigate.ArtKeyPair:
		live, err = r.keyPair(ctx, r.region(a.Region), a.KeyPairName)
	case investigate.ArtInstanceProfile:
		live, err = r.instanceProfile(ctx, r.region(a.Region), a)
	default:
		return investigate.ArtifactLive{Error: fmt.Sprintf("keypivot cannot read the live state of a %q artifact", a.Kind)}
	}
	if err != nil {
		return investigate.ArtifactLive{Error: err.Error()}
	}
	return live
}

// region is the artifact's region, or the session's for an artifact that names none.
func (r *reader) region(region string) string {
	if region == "" {
		return r.sess.Region
	}
	return region
}

func present(state string) investigate.ArtifactLive {
	return investigate.ArtifactLive{Present: true, State: state}
}

func gone(state string) investigate.ArtifactLive {
	return investigate.ArtifactLive{State: state}
}
