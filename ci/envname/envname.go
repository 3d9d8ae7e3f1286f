// Package envname validates deployment environment names.
//
// Every subcommand that takes --env checks it here first, before any side
// effect, so that a name such as "prod;rm -rf /" or "../x" never reaches a
// state key, a tag filter or a shell script.
package envname

import (
	"fmt"
	"strings"
)

// Known lists the environments the pipeline deploys to, in promotion order.
var Known = []string{"test", "prod"}

// Validate returns nil when name is one of Known, and otherwise an error that
// names the accepted values.
func Validate(name string) error {
	for _, k := range Known {
		if name == k {
			return nil
		}
	}
	if name == "" {
		return fmt.Errorf("environment name is empty: set --env to one of %s", strings.Join(Known, ", "))
	}
	return fmt.Errorf("unknown environment %q: use one of %s (lower case, exactly)", name, strings.Join(Known, ", "))
}
