// Package dotenv writes a report's outputs as a GitLab CI dotenv report
// (artifacts:reports:dotenv): the variables that the later jobs of the same
// pipeline receive, GitLab's counterpart of a GitHub job's outputs. The
// outputs are the very ones the GitHub report publishes (gha.Output), under
// the names GANGWAY_<NAME> (image → GANGWAY_IMAGE, bundle_sha256 →
// GANGWAY_BUNDLE_SHA256), so one definition serves both CI systems.
//
// GitLab reads these files with rules of its own: one KEY=VALUE a line, no
// quoting, escapes, comments or multi-line values, ASCII names, at most
// 5 KiB and, on the smallest plans, 20 variables. Render refuses what GitLab
// would drop or read differently, so a value arrives exactly as written or
// the job fails saying why.
package dotenv
