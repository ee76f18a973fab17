package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDocumentNamesItsSchemaFirst(t *testing.T) {
	data, err := document(SchemaVersion, buildVersion{Version: "1.2.3", Go: "go1.25"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), `{"schema":"bake.version/v1","version":"1.2.3"`), "%s", data)
	var v map[string]any
	require.NoError(t, json.Unmarshal(data, &v), "%s", data)
	assert.Equal(t, "go1.25", v["go"])

	// A document whose fields are all omitted is the schema alone.
	data, err = document(SchemaUnpin, reflect.Zero(reflect.TypeOf(documents[SchemaUnpin])).Interface())
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &v), "%s", data)
}

func TestDocumentRefusesWhatIsNotItsType(t *testing.T) {
	_, err := document(SchemaStatus, buildVersion{})
	assert.ErrorContains(t, err, "bake.status/v1")
	_, err = document(Schema("bake.nope/v1"), buildVersion{})
	assert.ErrorContains(t, err, `"bake.nope/v1"`)
}

// TestDocumentTypesAreObjects: every document is a JSON object with no field
// of its own named schema, which would print the key twice.
func TestDocumentTypesAreObjects(t *testing.T) {
	for schema, v := range documents {
		assert.True(t, strings.HasPrefix(string(schema), "bake."), schema)
		assert.True(t, strings.HasSuffix(string(schema), "/v1"), schema)
		data, err := document(schema, v)
		require.NoError(t, err, schema)
		dec := json.NewDecoder(bytes.NewReader(data))
		tok, err := dec.Token()
		require.NoError(t, err)
		require.Equal(t, json.Delim('{'), tok, schema)
		seen := map[string]bool{}
		for dec.More() {
			key, err := dec.Token()
			require.NoError(t, err)
			assert.False(t, seen[key.(string)], "%s prints %q twice", schema, key)
			seen[key.(string)] = true
			var skip json.RawMessage
			require.NoError(t, dec.Decode(&skip))
		}
		assert.True(t, seen["schema"], schema)
	}
}

func TestEventsAndErrorsNameTheirSchema(t *testing.T) {
	var out, errOut bytes.Buffer
	f := &Factory{Out: &out, Err: &errOut, Output: "json"}
	_, err := newEventWriter(&errOut).forImage("web").Write([]byte("Step 2/5 : RUN true\n"))
	require.NoError(t, err)
	var ev struct {
		Schema string `json:"schema"`
		Event  string `json:"event"`
		Step   int    `json:"step"`
	}
	require.NoError(t, json.Unmarshal(errOut.Bytes(), &ev), errOut.String())
	assert.Equal(t, "bake.event/v1", ev.Schema)
	assert.Equal(t, "build-step", ev.Event)
	assert.Equal(t, 2, ev.Step)

	Report(context.Background(), f, errors.New("engine said no"))
	var doc struct {
		Schema string `json:"schema"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &doc), out.String())
	assert.Equal(t, "bake.error/v1", doc.Schema)
}
