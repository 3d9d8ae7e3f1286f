package cli

import "github.com/gangway-dev/gangway/ci/hostresult"

func rollbackCommand() command {
	return command{
		name:    "rollback",
		summary: "put the previous image digest (or, with --to, any earlier digest still in ECR) back on the environment's hosts over SSM, through the same health gate",
		flags:   func() commandFlags { return &hostFlags{mode: hostresult.ModeRollback} },
	}
}
