package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/release"
	"github.com/bakehq/bake/internal/targets"
)

// Schema names a JSON document bake prints and its version, as the value of
// the document's "schema" field: a script checks it before reading the rest,
// and a change that breaks a reader bumps the version.
type Schema string

// The documents bake prints with --output json (docs/reference/json.md
// describes each).
const (
	SchemaApproval     Schema = "bake.approval/v1"
	SchemaBuild        Schema = "bake.build/v1"
	SchemaConfig       Schema = "bake.config/v1"
	SchemaDeployment   Schema = "bake.deployment/v1"
	SchemaError        Schema = "bake.error/v1"
	SchemaEvent        Schema = "bake.event/v1"
	SchemaGC           Schema = "bake.gc/v1"
	SchemaHistory      Schema = "bake.history/v1"
	SchemaInit         Schema = "bake.init/v1"
	SchemaKeygen       Schema = "bake.keygen/v1"
	SchemaLock         Schema = "bake.lock/v1"
	SchemaLogLine      Schema = "bake.log-line/v1"
	SchemaPlan         Schema = "bake.plan/v1"
	SchemaRecover      Schema = "bake.recover/v1"
	SchemaRelease      Schema = "bake.release/v1"
	SchemaReleaseAll   Schema = "bake.release-all/v1"
	SchemaRevocation   Schema = "bake.revocation/v1"
	SchemaRollbackPlan Schema = "bake.rollback-plan/v1"
	SchemaShow         Schema = "bake.show/v1"
	SchemaStatus       Schema = "bake.status/v1"
	SchemaSweep        Schema = "bake.sweep/v1"
	SchemaUI           Schema = "bake.ui/v1"
	SchemaUnpin        Schema = "bake.unpin/v1"
	SchemaValidate     Schema = "bake.validate/v1"
	SchemaVerify       Schema = "bake.verify/v1"
	SchemaVersion      Schema = "bake.version/v1"
)

// documents maps each schema to the Go type of its document, so a command
// cannot print one type under another's name and the reference can be
// checked against the types (see json_reference_test.go).
var documents = map[Schema]any{
	SchemaApproval:     ledger.Approval{},
	SchemaBuild:        buildResult{},
	SchemaConfig:       configResult{},
	SchemaDeployment:   promote.Result{},
	SchemaError:        errorDocument{},
	SchemaEvent:        event{},
	SchemaGC:           gcReport{},
	SchemaHistory:      history{},
	SchemaInit:         initResult{},
	SchemaKeygen:       keygenResult{},
	SchemaLock:         lockResult{},
	SchemaLogLine:      targets.LogLine{},
	SchemaPlan:         promote.PlanResult{},
	SchemaRecover:      recoverResult{},
	SchemaRelease:      release.Result{},
	SchemaReleaseAll:   releaseAllResult{},
	SchemaRevocation:   ledger.Revocation{},
	SchemaRollbackPlan: promote.RollbackPlan{},
	SchemaShow:         showResult{},
	SchemaStatus:       statusResult{},
	SchemaSweep:        sweepReport{},
	SchemaUI:           uiResult{},
	SchemaUnpin:        ledger.Pin{},
	SchemaValidate:     validateResult{},
	SchemaVerify:       verifyResult{},
	SchemaVersion:      buildVersion{},
}

// document encodes v as the JSON object of schema, with "schema" as its
// first field. Every JSON document and event bake prints goes through it,
// so none can lack the field.
func document(schema Schema, v any) ([]byte, error) {
	want, ok := documents[schema]
	if !ok {
		return nil, fmt.Errorf("bake has no JSON document named %q", schema)
	}
	if got := reflect.TypeOf(v); got != reflect.TypeOf(want) {
		return nil, fmt.Errorf("bake printed a %s as its %s document", got, schema)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s document: %w", schema, err)
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("the %s document is not a JSON object", schema)
	}
	head, err := json.Marshal(struct {
		Schema Schema `json:"schema"`
	}{schema})
	if err != nil {
		return nil, err
	}
	rest := bytes.TrimSpace(body[1:])
	if string(rest) == "}" {
		return head, nil
	}
	return append(append(head[:len(head)-1], ','), rest...), nil
}

// writeDocument writes schema's document v to f.Out, indented for people
// who read it too.
func (f *Factory) writeDocument(schema Schema, v any) error {
	data, err := document(schema, v)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = f.Out.Write(out.Bytes())
	return err
}
