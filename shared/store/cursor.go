package store

import (
	"encoding/base64"
	"encoding/json"

	"payvand.dev/shared/crm"
)

// EncodeCursor makes a backend cursor from the key attributes of the last
// item returned: the table key plus the index key when querying an index.
// The API kernel seals it (signs it and binds it to the tenant) before a
// client sees it.
func EncodeCursor(index string, last Item) string {
	m := map[string]string{PK: Str(last, PK), SK: Str(last, SK)}
	if index != "" {
		m[index+"PK"] = Str(last, index+"PK")
		m[index+"SK"] = Str(last, index+"SK")
	}
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor returns the key attributes of a cursor; EINVALID when malformed.
func DecodeCursor(index, c string) (map[string]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	var m map[string]string
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil || m[PK] == "" {
		return nil, crm.Errorf(crm.EINVALID, "malformed cursor")
	}
	if index != "" && m[index+"PK"] == "" {
		return nil, crm.Errorf(crm.EINVALID, "cursor belongs to another query")
	}
	return m, nil
}
