package dynamodb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/bakehq/bake/internal/ledger"
)

// The item holding the last deployment id handed out.
const (
	sequencePK = "sequence"
	sequenceSK = "deployments"
)

func deploymentPK(image string) string { return "deployment#" + image }

// deploymentSK puts an environment's deployments together, ordered by id.
func deploymentSK(env string, id int64) string { return fmt.Sprintf("%s#%020d", env, id) }

// AppendDeployment records a deployment and returns its id. The release it
// deploys must be recorded; otherwise the error wraps ErrNotFound.
//
// The id comes from an atomic counter (one UpdateItem adds 1 to the
// sequence item and returns the sum), so no two appends, from any number of
// processes, get the same id; the deployment is then put on the condition
// that nothing holds its key, so no record is ever overwritten. Ids increase
// in the order appends reach the counter. An append that fails between the
// two writes leaves a gap; nothing relies on ids being dense.
func (s *Store) AppendDeployment(ctx context.Context, d ledger.Deployment) (int64, error) {
	return s.RecordDeployment(ctx, d, nil)
}

// RecordDeployment records a deployment and, when pin is not nil, the pin
// change it makes, in one transaction (TransactWriteItems) with both links.
func (s *Store) RecordDeployment(ctx context.Context, d ledger.Deployment, pin *ledger.Pin) (int64, error) {
	if err := ledger.ValidateOutcome(d, pin); err != nil {
		return 0, err
	}
	if err := s.requireRelease(ctx, d.Image, d.Version); err != nil {
		return 0, err
	}
	out, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.loc.Table),
		Key:                       itemKey(sequencePK, sequenceSK),
		UpdateExpression:          aws.String("ADD n :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": attrN(1)},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("taking the next deployment id: %w", err)
	}
	if d.ID, err = numberAttr(out.Attributes, "n"); err != nil {
		return 0, fmt.Errorf("taking the next deployment id: %w", err)
	}
	item, err := marshalItem(deploymentPK(d.Image), deploymentSK(d.Env, d.ID), d)
	if err != nil {
		return 0, fmt.Errorf("encoding: %w", err)
	}
	e, err := ledger.DeploymentEntry(d)
	if err != nil {
		return 0, err
	}
	writes, entries := []types.TransactWriteItem{s.putNew(item)}, []ledger.Entry{e}
	if pin != nil {
		w, pe, err := listAppend(s, pinsPK(pin.Image), pin.Env, "pins", *pin, ledger.PinEntry)
		if err != nil {
			return 0, err
		}
		writes, entries = append(writes, w), append(entries, pe)
	}
	// Not history, so no link: the environment joins the image's list.
	writes = append(writes, s.addEnv(d.Image, d.Env))
	err = s.recordAll(ctx, writes, entries)
	if errors.Is(err, errRecordExists) {
		return 0, errSequenceBehind(d.ID)
	}
	if err != nil {
		return 0, err
	}
	return d.ID, nil
}

// errSequenceBehind is the failed put of a deployment under an id that
// already holds one. The id came from the counter, so this is not a retry
// of this write (recordAll recognises those by their token): the sequence
// item was set back by hand, and the record already there stays as it is.
func errSequenceBehind(id int64) error {
	return fmt.Errorf("deployment id %d is already recorded: the sequence item (pk %q, sk %q) is behind", id, sequencePK, sequenceSK)
}

// Deployments lists deployments of image (in env, if env != ""), newest first.
func (s *Store) Deployments(ctx context.Context, image, env string) ([]ledger.Deployment, error) {
	ds := []ledger.Deployment{}
	err := s.deployments(ctx, image, env, func(d ledger.Deployment) bool {
		ds = append(ds, d)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("listing deployments of %q: %w", image, err)
	}
	// One environment's come in id order; all of them come grouped by environment.
	slices.SortFunc(ds, func(a, b ledger.Deployment) int { return cmp.Compare(b.ID, a.ID) })
	return ds, nil
}

// DeploymentPage lists at most q.Limit deployments that q selects, newest
// first (oldest first with q.After). In one environment it is one query
// on the sort key's id range with a Limit, so it reads only the page. No
// key orders an image's deployments across environments (they are grouped
// by environment), so with q.Env "" it reads a page of each environment
// the image was deployed to and merges them.
func (s *Store) DeploymentPage(ctx context.Context, q ledger.DeploymentQuery) ([]ledger.Deployment, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if q.Env == "" {
		return s.pageOfEveryEnv(ctx, q)
	}
	ds := make([]ledger.Deployment, 0, q.Limit)
	err := s.deploymentRange(ctx, q, func(d ledger.Deployment) bool {
		ds = append(ds, d)
		return len(ds) < q.Limit
	})
	if err != nil {
		return nil, fmt.Errorf("listing deployments of %q: %w", q.Image, err)
	}
	return ds, nil
}

// deploymentRange visits the deployments of q.Image in q.Env between q's
// bounds, newest first (oldest first with q.After), until visit returns
// false, asking DynamoDB for q.Limit items at a time. The sort keys of one
// environment are ENV#<20 digits>, so the range between ENV#0...0 and
// ENV#9...9 holds that environment's and no other's ("a#b" sorts after it).
func (s *Store) deploymentRange(ctx context.Context, q ledger.DeploymentQuery, visit func(ledger.Deployment) bool) error {
	lo, hi := deploymentSK(q.Env, 0), q.Env+"#99999999999999999999"
	if q.After > 0 {
		lo = deploymentSK(q.Env, q.After+1)
	}
	if q.Before > 0 {
		hi = deploymentSK(q.Env, q.Before-1)
	}
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.loc.Table),
		ConsistentRead:         aws.Bool(true),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": attrS(deploymentPK(q.Image)), ":lo": attrS(lo), ":hi": attrS(hi)},
		ScanIndexForward: aws.Bool(q.After > 0),
		Limit:            aws.Int32(int32(min(q.Limit, 1000))),
	}
	for {
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return err
		}
		for _, item := range out.Items {
			var d ledger.Deployment
			if err := unmarshalItem(item, &d); err != nil {
				return fmt.Errorf("decoding %s: %w", describeItem(item), err)
			}
			if !visit(d) {
				return nil
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// currentPage is how many records Current asks for at a time: the newest
// succeeded record is almost always among an environment's last few.
const currentPage = 8

// Current returns the newest succeeded deployment of image in env; ErrNotFound if none.
func (s *Store) Current(ctx context.Context, image, env string) (ledger.Deployment, error) {
	if env == "" {
		return ledger.Deployment{}, fmt.Errorf("reading what %q runs: no environment given: %w", image, ledger.ErrNotFound)
	}
	var cur *ledger.Deployment
	err := s.deploymentRange(ctx, ledger.DeploymentQuery{Image: image, Env: env, Limit: currentPage}, func(d ledger.Deployment) bool {
		if d.Outcome == ledger.OutcomeSucceeded {
			cur = &d
		}
		return cur == nil
	})
	if err != nil {
		return ledger.Deployment{}, fmt.Errorf("reading what %q runs in %q: %w", image, env, err)
	}
	if cur == nil {
		return ledger.Deployment{}, fmt.Errorf("reading what %q runs in %q: %w", image, env, ledger.ErrNotFound)
	}
	return *cur, nil
}

// deployments visits the deployments of image in env, newest first, until
// visit returns false; with env "", those of every environment, newest
// first within each.
func (s *Store) deployments(ctx context.Context, image, env string, visit func(ledger.Deployment) bool) error {
	prefix := ""
	if env != "" {
		prefix = env + "#"
	}
	return s.query(ctx, deploymentPK(image), prefix, true, func(item map[string]types.AttributeValue) (bool, error) {
		var d ledger.Deployment
		if err := unmarshalItem(item, &d); err != nil {
			return false, fmt.Errorf("decoding %s: %w", describeItem(item), err)
		}
		// An environment named like another's prefix ("a" and "a#b") shares
		// the sort key prefix; the env attribute tells them apart.
		if env != "" && d.Env != env {
			return true, nil
		}
		return visit(d), nil
	})
}

// numberAttr reads the number attribute name of item.
func numberAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("no number %s in %s", name, describeItem(item))
	}
	return strconv.ParseInt(n.Value, 10, 64)
}

// attrN is a number attribute.
func attrN(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

// The item listing the environments an image was deployed to: every
// deployment adds its environment to the string set envs in the same
// transaction. complete is set once the set was filled from the whole
// partition, which a table made before the item existed needs once.
const envsSK = "envs"

func envsPK(image string) string { return "envs#" + image }

// addEnv adds env to image's list of environments.
func (s *Store) addEnv(image, env string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(s.loc.Table),
		Key:                       itemKey(envsPK(image), envsSK),
		UpdateExpression:          aws.String("ADD envs :env"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":env": &types.AttributeValueMemberSS{Value: []string{env}}},
	}}
}

// envs returns the environments image was deployed to, filling the list
// from the whole partition the first time it is asked for.
func (s *Store) envs(ctx context.Context, image string) ([]string, error) {
	item, err := s.getItem(ctx, envsPK(image), envsSK)
	if err != nil {
		return nil, err
	}
	if item != nil {
		if done, ok := item["complete"].(*types.AttributeValueMemberBOOL); ok && done.Value {
			set, _ := item["envs"].(*types.AttributeValueMemberSS)
			if set == nil {
				return nil, nil
			}
			return set.Value, nil
		}
	}
	seen := map[string]bool{}
	err = s.deployments(ctx, image, "", func(d ledger.Deployment) bool {
		seen[d.Env] = true
		return true
	})
	if err != nil {
		return nil, err
	}
	envs := slices.Sorted(maps.Keys(seen))
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.loc.Table),
		Key:                       itemKey(envsPK(image), envsSK),
		UpdateExpression:          aws.String("SET complete = :true"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}},
	}
	if len(envs) > 0 {
		in.UpdateExpression = aws.String("ADD envs :envs SET complete = :true")
		in.ExpressionAttributeValues[":envs"] = &types.AttributeValueMemberSS{Value: envs}
	}
	if _, err := s.client.UpdateItem(ctx, in); err != nil {
		return nil, err
	}
	return envs, nil
}

// pageOfEveryEnv is DeploymentPage across environments: a page of each
// environment, merged by id.
func (s *Store) pageOfEveryEnv(ctx context.Context, q ledger.DeploymentQuery) ([]ledger.Deployment, error) {
	envs, err := s.envs(ctx, q.Image)
	if err != nil {
		return nil, fmt.Errorf("listing deployments of %q: %w", q.Image, err)
	}
	var all []ledger.Deployment
	for _, env := range envs {
		eq := q
		eq.Env = env
		page, err := s.DeploymentPage(ctx, eq)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
	}
	if q.After > 0 {
		slices.SortFunc(all, func(a, b ledger.Deployment) int { return cmp.Compare(a.ID, b.ID) })
	} else {
		slices.SortFunc(all, func(a, b ledger.Deployment) int { return cmp.Compare(b.ID, a.ID) })
	}
	return all[:min(len(all), q.Limit)], nil
}
