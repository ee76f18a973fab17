// Package internal_test holds the rules on which package may depend on
// which, checked on what the packages import today.
package internal_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDependencyRules(t *testing.T) {
	tests := []struct {
		pkg  string
		why  string
		deny []string // packages pkg must not link; PATH/... is PATH and every package below it
	}{
		{
			pkg: "./config", why: "reading bake.yaml links no ledger backend nor database SDK",
			deny: []string{"modernc.org/sqlite/...", "github.com/aws/aws-sdk-go-v2/service/dynamodb/...",
				"github.com/aws/aws-sdk-go-v2/feature/dynamodb/...", "github.com/bakehq/bake/internal/ledger"},
		},
		{
			pkg: "./ledger", why: "the ledger's types, contract and hash chain link no backend: ledger/sqlite and ledger/dynamodb do",
			deny: []string{"modernc.org/sqlite/...", "github.com/aws/aws-sdk-go-v2/service/dynamodb/...",
				"github.com/aws/aws-sdk-go-v2/feature/dynamodb/...", "github.com/bakehq/bake/internal/ledger/sqlite",
				"github.com/bakehq/bake/internal/ledger/dynamodb"},
		},
		{
			pkg: "./registry", why: "registry access links no AWS SDK: Amazon ECR's API reaches it through registry.ECR (registry/ecrapi)",
			deny: []string{"github.com/aws/aws-sdk-go-v2/...", "github.com/bakehq/bake/internal/awsx"},
		},
		{
			pkg: "./gc", why: "gc shares the environment lock through the ledger and depends on no use case",
			deny: []string{"github.com/bakehq/bake/internal/promote/...", "github.com/bakehq/bake/internal/rollback/..."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", tt.pkg).Output()
			require.NoError(t, err)
			for _, dep := range strings.Fields(string(out)) {
				for _, d := range tt.deny {
					tree, ok := strings.CutSuffix(d, "/...")
					if dep == d || ok && (dep == tree || strings.HasPrefix(dep, tree+"/")) {
						t.Errorf("%s links %s: %s", tt.pkg, dep, tt.why)
					}
				}
			}
		})
	}
}
