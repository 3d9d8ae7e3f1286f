package rollout_test

import (
	"fmt"

	"github.com/gangway-dev/gangway/ci/rollout"
)

// The script's output ends with its result line, whatever came before.
func ExampleParseResult() {
	out := "12:00:01 gangway: pulling r/app@sha256:…\n" +
		"12:00:04 gangway: slot green is healthy (version v2); switching nginx\n" +
		`GANGWAY_RESULT {"status":"deployed","mode":"deploy","image":"r/app@sha256:…","slot":"green","version":"v2","seconds":6,"message":"serving"}` + "\n"
	res, err := rollout.ParseResult(out)
	fmt.Println(res.Status, res.Slot, res.Version, res.OK(), err)
	// Output: deployed green v2 true <nil>
}

// Render builds the host script from parameters; HostDefaults are the EC2
// host contract.
func ExampleRender() {
	p := rollout.HostDefaults(rollout.ModeRollback, "", "eu-west-1")
	vars, err := rollout.Vars(p)
	if err != nil {
		panic(err)
	}
	for _, v := range vars[:4] {
		fmt.Printf("%s=%s\n", v.Name, v.Value)
	}
	// Output:
	// MODE='rollback'
	// IMAGE=''
	// DOCKER='docker'
	// PULL_ARGS=()
}
