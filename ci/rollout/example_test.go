package rollout_test

import (
	"fmt"

	"github.com/gangway-dev/gangway/ci/hostresult"

	"github.com/gangway-dev/gangway/ci/rollout"
)

// Render builds the host script from parameters; HostDefaults are the EC2
// host contract.
func ExampleRender() {
	p := rollout.HostDefaults(hostresult.ModeRollback, "", "eu-west-1")
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
