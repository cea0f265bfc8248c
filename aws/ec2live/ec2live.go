// Package ec2live reads the live state of a case's EC2 follow-ups: whether the key pairs
// the key created still exist (ec2:DescribeKeyPairs), and each instance launched through
// them, found by instance id and by key name (ec2:DescribeInstances): state, type, launch
// time, public address, tags.
//
// Like every aws/ package it imports investigate (the interfaces it implements, the
// types it fills) and the AWS SDK, never tui, cmd or internal.
package ec2live

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// Lookup is an investigate.LiveLookup over EC2.
type Lookup struct {
	// Session is the caller's; Accounts are sessions of other accounts, by account id.
	Session  *awsconfig.Session
	Accounts map[string]*awsconfig.Session
	// Concurrency bounds the regions read at once (default 8).
	Concurrency int
}

var _ investigate.LiveLookup = (*Lookup)(nil)

// filterChunk is how many values one EC2 filter takes.
const filterChunk = 200

// scope is one account's region.
type scope struct{ account, region string }

type work struct {
	pairs     []investigate.KeyPair
	instances []string
}

// LookupFollowUps implements investigate.LiveLookup. A region (or account) that cannot
// be read is reported in LiveState.Errors, or on each of its instances.
func (l *Lookup) LookupFollowUps(ctx context.Context, f investigate.FollowUps) (investigate.LiveState, error) {
	live := investigate.LiveState{KeyPairs: map[string]bool{}, Instances: map[string]investigate.Instance{}, Errors: map[string]string{}}
	if l.Session == nil {
		return live, fmt.Errorf("live EC2 lookup: no AWS session")
	}
	jobs := map[scope]*work{}
	get := func(account, region string) *work {
		if account == "" {
			account = l.Session.Identity.Account
		}
		k := scope{account, region}
		if jobs[k] == nil {
			jobs[k] = &work{}
		}
		return jobs[k]
	}
	for _, kp := range f.KeyPairs {
		if kp.ErrorCode == "" && kp.Region != "" {
			w := get(kp.Account, kp.Region)
			w.pairs = append(w.pairs, kp)
		}
	}
	for _, in := range f.Instances {
		if in.Region != "" && in.InstanceID != "" {
			w := get(in.Account, in.Region)
			if !slices.Contains(w.instances, in.InstanceID) {
				w.instances = append(w.instances, in.InstanceID)
			}
		}
	}
	scopes := make([]scope, 0, len(jobs))
	for k := range jobs {
		scopes = append(scopes, k)
	}
	sort.Slice(scopes, func(i, j int) bool {
		if scopes[i].account != scopes[j].account {
			return scopes[i].account < scopes[j].account
		}
		return scopes[i].region < scopes[j].region
	})

	n := l.Concurrency
	if n <= 0 {
		n = 8
	}
	sem := make(chan struct{}, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, sc := range scopes {
		w := jobs[sc]
		sess := l.sessionFor(sc.account)
		if sess == nil {
			msg := fmt.Sprintf("account %s: reading its EC2 state needs a profile of that account (--account-profile %s=PROFILE)", sc.account, sc.account)
			for _, id := range w.instances {
				live.Instances[id] = investigate.Instance{InstanceID: id, Region: sc.region, Account: sc.account, LiveError: msg}
			}
			if len(w.pairs) > 0 {
				live.Errors[sc.region] = msg
			}
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			pairs, insts, err := readRegion(ctx, ec2.NewFromConfig(sess.ForRegion(sc.region)), sc, w)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				live.Errors[sc.region] = err.Error()
				return
			}
			for k, v := range pairs {
				live.KeyPairs[k] = v
			}
			for id, in := range insts {
				live.Instances[id] = in
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return live, err
	}
	return live, nil
}

func (l *Lookup) sessionFor(account string) *awsconfig.Session {
	if account == "" || account == l.Session.Identity.Account {
		return l.Session
	}
	return l.Accounts[account]
}

// readRegion reads one account's region: the key pairs by name (matched on their id when
// the trail recorded it: a pair deleted and created again under the same name is not the
// attacker's), then the instances by id and by the key pairs' names.
func readRegion(ctx context.Context, c *ec2.Client, sc scope, w *work) (map[string]bool, map[string]investigate.Instance, error) {
	pairs := map[string]bool{}
	insts := map[string]investigate.Instance{}
	var names []string
	for _, kp := range w.pairs {
		if !slices.Contains(names, kp.Name) {
			names = append(names, kp.Name)
		}
	}
	if len(names) > 0 {
		found := map[string][]string{} // name -> ids
		for chunk := range slices.Chunk(names, filterChunk) {
			out, err := c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: []types.Filter{{Name: aws.String("key-name"), Values: chunk}}})
			if err != nil {
				return nil, nil, err
			}
			for _, k := range out.KeyPairs {
				found[aws.ToString(k.KeyName)] = append(found[aws.ToString(k.KeyName)], aws.ToString(k.KeyPairId))
			}
		}
		for _, kp := range w.pairs {
			ids, ok := found[kp.Name]
			exists := ok && (kp.ID == "" || slices.Contains(ids, kp.ID))
			k := sc.region + "/" + kp.Name
			pairs[k] = pairs[k] || exists
		}
	}
	add := func(filter string, values []string) error {
		for chunk := range slices.Chunk(values, filterChunk) {
			p := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{Filters: []types.Filter{{Name: aws.String(filter), Values: chunk}}})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, r := range out.Reservations {
					for _, in := range r.Instances {
						i := instance(in, sc)
						insts[i.InstanceID] = i
					}
				}
			}
		}
		return nil
	}
	if len(w.instances) > 0 {
		if err := add("instance-id", w.instances); err != nil {
			return nil, nil, err
		}
	}
	if len(names) > 0 {
		if err := add("key-name", names); err != nil {
			return nil, nil, err
		}
	}
	return pairs, insts, nil
}

func instance(in types.Instance, sc scope) investigate.Instance {
	i := investigate.Instance{
		InstanceID:   aws.ToString(in.InstanceId),
		Region:       sc.region,
		Account:      sc.account,
		KeyName:      aws.ToString(in.KeyName),
		InstanceType: string(in.InstanceType),
		LaunchTime:   aws.ToTime(in.LaunchTime).UTC(),
		PublicIP:     aws.ToString(in.PublicIpAddress),
	}
	if in.State != nil {
		i.State = string(in.State.Name)
	}
	if len(in.Tags) > 0 {
		i.Tags = map[string]string{}
		for _, t := range in.Tags {
			i.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return i
}
