module github.com/gangway-dev/gangway/ci

go 1.26
