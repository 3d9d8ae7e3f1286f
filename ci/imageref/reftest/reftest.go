// Package reftest holds the shared table of good and bad image references
// (refs.json) that every checker of references is tested against: Parse,
// the workflows' and the GitLab pipeline's grep -E checks.
package reftest

import (
	_ "embed"
	"encoding/json"
)

//go:embed refs.json
var refsJSON []byte

// Case is one row of the table.
type Case struct {
	Name  string `json:"name"`
	Ref   string `json:"ref"`
	Valid bool   `json:"valid"`
}

// Cases returns the table.
func Cases() []Case {
	var cases []Case
	if err := json.Unmarshal(refsJSON, &cases); err != nil {
		panic("reftest: refs.json is not valid: " + err.Error()) // a broken table is a bug in the repository
	}
	return cases
}
