package searchapi

import (
	"payvand.dev/shared/store"
	"payvand.dev/shared/tasks"
)

// Tasks join global search (type=tasks) for callers with the tasks
// module: found by the words of their titles.
func init() {
	kinds["tasks"] = struct {
		kind, module string
		key          func(id string) store.Key
	}{tasks.Kind, "tasks", tasks.TaskKey}
}

// decodeTask adds a task's item to the results.
func decodeTask(it store.Item, r *Results) error {
	t, err := tasks.DecodeTask(it)
	if err != nil {
		return err
	}
	r.Tasks = append(r.Tasks, map[string]any{"id": t.ID, "title": t.Title, "status": t.Status, "priority": t.Priority,
		"due_date": t.DueDate, "progress": t.Progress, "assignee_ids": t.AssigneeIDs, "parent_id": t.ParentID, "created_at": t.CreatedAt})
	return nil
}

// taskHits are the advanced search's hits of tasks.
func taskHits(r *Results) []Hit {
	var out []Hit
	for _, t := range r.Tasks {
		if m, ok := t.(map[string]any); ok {
			id, _ := m["id"].(string)
			title, _ := m["title"].(string)
			status, _ := m["status"].(string)
			out = append(out, Hit{Type: "task", ID: id, Title: title, Subtitle: status, URL: "/dashboard/tasks/" + id, Data: m})
		}
	}
	return out
}
