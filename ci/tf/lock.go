package tf

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// LockedError reports a state lock held by someone else after waiting
// Waited for it. The lock is never broken automatically: whoever holds it is
// still working, or must be asked before `terraform force-unlock ID`.
type LockedError struct {
	ID        string
	Who       string
	Operation string
	Created   string
	Path      string
	Waited    time.Duration
	Err       error
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("the state is locked by %s (lock ID %s, operation %s, since %s, path %s); waited %s. "+
		"Wait for that run to finish and retry, or raise --lock-timeout. If the holder is gone for sure, a person may run "+
		"`terraform force-unlock %s`; the pipeline never does", orUnknown(e.Who), orUnknown(e.ID), orUnknown(e.Operation),
		orUnknown(e.Created), orUnknown(e.Path), e.Waited, orUnknown(e.ID))
}

func (e *LockedError) Unwrap() error { return e.Err }

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

var lockInfoRE = regexp.MustCompile(`(?m)^[\s│]*(ID|Path|Operation|Who|Created):[ \t]*(.*?)[ \t]*$`)

// parseLocked reads the "Lock Info" block terraform prints when it could
// not acquire the state lock. It returns nil for any other failure.
func parseLocked(msg string) *LockedError {
	if !strings.Contains(msg, "Error acquiring the state lock") {
		return nil
	}
	e := &LockedError{}
	_, info, _ := strings.Cut(msg, "Lock Info:")
	for _, m := range lockInfoRE.FindAllStringSubmatch(info, -1) {
		switch m[1] {
		case "ID":
			e.ID = m[2]
		case "Path":
			e.Path = m[2]
		case "Operation":
			e.Operation = m[2]
		case "Who":
			e.Who = m[2]
		case "Created":
			e.Created = m[2]
		}
	}
	return e
}

// ProviderError reports a provider that terraform init could not install
// (no registry access and no mirror configured, or the wrong version).
type ProviderError struct{ Err error }

func (e *ProviderError) Error() string {
	return fmt.Sprintf("terraform could not install the hashicorp/aws provider: point TF_CLI_CONFIG_FILE at a CLI configuration "+
		"with a filesystem_mirror that holds hashicorp/aws 5.100.0 (or allow registry access): %v", e.Err)
}

func (e *ProviderError) Unwrap() error { return e.Err }

func parseProvider(msg string) *ProviderError {
	for _, s := range []string{"Failed to query available provider packages", "Failed to install provider", "Inconsistent dependency lock file", "Required plugins are not installed"} {
		if strings.Contains(msg, s) {
			return &ProviderError{}
		}
	}
	return nil
}
