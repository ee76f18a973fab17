package cli

import "github.com/spf13/cobra"

// completionExamples install each shell's script where the shell looks for
// it, so completion works in every new shell.
var completionExamples = map[string]string{
	"bash": `  source <(bake completion bash)                                       # this shell only
  bake completion bash > ~/.local/share/bash-completion/completions/bake   # every new shell`,
	"zsh": `  source <(bake completion zsh)                        # this shell only
  bake completion zsh > "${fpath[1]}/_bake"            # every new shell (compinit must be on)`,
	"fish": `  bake completion fish | source                                 # this shell only
  bake completion fish > ~/.config/fish/completions/bake.fish   # every new shell`,
	"powershell": `  bake completion powershell | Out-String | Invoke-Expression`,
}

// describeCompletion gives cobra's `completion` command and its shells
// bake's examples, and says what completes.
func describeCompletion(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Long += `
bake completes image names from bake.yaml, environment names (--to, --from,
--env), the versions recorded in the ledger after IMAGE@ (for rollback, and
rollback --to, only those that ran in --env), and fixed flag values such as
--output and --bump. Without a bake.yaml or a ledger it offers nothing.
`
		c.Example = "  bake completion bash > ~/.local/share/bash-completion/completions/bake\n" +
			"  bake completion zsh > \"${fpath[1]}/_bake\"\n" +
			"  bake completion fish > ~/.config/fish/completions/bake.fish"
		for _, shell := range c.Commands() {
			shell.Example = completionExamples[shell.Name()]
		}
	}
}
