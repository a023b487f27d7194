package boot

import (
	"strings"
	"testing"
)

func TestMissingConfigurationIsNamed(t *testing.T) {
	t.Setenv("PAYVAND_CONTROL_TABLE", "control")
	t.Setenv("PAYVAND_TABLE_PREFIX", "")
	t.Setenv("PAYVAND_JWT_SECRET_ID", "")
	err := CheckEnv("customers")
	if err == nil || !strings.Contains(err.Error(), "PAYVAND_TABLE_PREFIX") || !strings.Contains(err.Error(), "PAYVAND_JWT_SECRET_ID") || strings.Contains(err.Error(), "PAYVAND_CONTROL_TABLE") {
		t.Fatalf("err = %v", err)
	}
	t.Setenv("PAYVAND_TABLE_PREFIX", "t-")
	t.Setenv("PAYVAND_JWT_SECRET_ID", "arn")
	t.Setenv("PAYVAND_EVENT_BUS", "bus")
	if err := CheckEnv("customers"); err != nil {
		t.Fatal(err)
	}
	if CheckEnv("nope") == nil {
		t.Fatal("unknown function accepted")
	}
}
