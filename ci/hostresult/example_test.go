package hostresult_test

import (
	"fmt"

	"github.com/gangway-dev/gangway/ci/hostresult"
)

// The script's output ends with its result line, whatever came before.
func ExampleParse() {
	out := "12:00:01 gangway: pulling r/app@sha256:…\n" +
		"12:00:04 gangway: slot green is healthy (version v2); switching nginx\n" +
		`GANGWAY_RESULT {"status":"deployed","mode":"deploy","image":"r/app@sha256:…","slot":"green","version":"v2","seconds":6,"message":"serving"}` + "\n"
	res, err := hostresult.Parse(out)
	fmt.Println(res.Status, res.Slot, res.Version, res.OK(), err)
	// Output: deployed green v2 true <nil>
}
