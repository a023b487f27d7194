package searchapi

import (
	"payvand.dev/shared/documents"
	"payvand.dev/shared/store"
)

// Documents join global search (type=documents), seen by callers with the
// documents module: name, description and tags.
func init() {
	kinds["documents"] = struct {
		kind, module string
		key          func(id string) store.Key
	}{documents.SearchKind, "documents", documents.DocKey}
}

func decodeDocument(it store.Item, r *Results) error {
	d, err := documents.DecodeDocument(it)
	if err != nil {
		return err
	}
	r.Documents = append(r.Documents, map[string]any{"id": d.ID, "name": d.Name, "title": d.Name, "type": d.Type, "content_type": d.ContentType,
		"size": d.Size, "category_id": d.CategoryID, "customer_id": d.CustomerID, "created_at": d.CreatedAt, "url": "/api/documents/" + d.ID + "/download"})
	return nil
}

func documentHits(r *Results) []Hit {
	var out []Hit
	for _, d := range r.Documents {
		if m, ok := d.(map[string]any); ok {
			id, _ := m["id"].(string)
			name, _ := m["name"].(string)
			ty, _ := m["type"].(string)
			out = append(out, Hit{Type: "document", ID: id, Title: name, Subtitle: ty, URL: "/dashboard/documents/" + id, Data: m})
		}
	}
	return out
}
