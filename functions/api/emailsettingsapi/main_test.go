package emailsettingsapi_test

import (
	"testing"

	"payvand.dev/shared/testkit/moto"
)

func TestMain(m *testing.M) { moto.Main(m) }
