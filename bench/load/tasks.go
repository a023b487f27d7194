package main

import (
	"encoding/json"
	"fmt"
)

// tasks is the pool of tasks the task operations work on.
var tasks = &pool{}

// The tasks mix: -mix 'task-create=2,task-get=4,task-list=3,task-status=2,task-comment=1,task-time=1';
// issue 12's create/get/update/list 50/delete mix: -mix 'task-create=2,task-get=4,task-update=2,task-list=2,task-delete=1'.
func init() {
	pick := func(w *worker) string {
		if id := tasks.pick(w.r); id != "" {
			return id
		}
		ops["task-create"].fn(w) // the first ones of a run: make a target
		return tasks.pick(w.r)
	}
	found := func(st int) int { // removed by another client between pick and use
		if st == 404 {
			return 200
		}
		return st
	}
	ops["task-create"] = struct {
		ok int
		fn opFunc
	}{201, func(w *worker) (int, error) {
		w.seq++
		st, b, err := w.c.do("POST", "/api/tasks", map[string]any{
			"title":    fmt.Sprintf("Load task %d-%d گزارش", w.id, w.seq),
			"priority": []string{"low", "medium", "high", "critical"}[w.r.IntN(4)],
			"due_date": fmt.Sprintf("2026-%02d-%02d", 1+w.r.IntN(12), 1+w.r.IntN(28)),
		}, true)
		if st == 201 {
			var r struct{ Data struct{ ID string } }
			if json.Unmarshal(b, &r) == nil && r.Data.ID != "" {
				tasks.add(r.Data.ID)
			}
		}
		return st, err
	}}
	ops["task-get"] = struct {
		ok int
		fn opFunc
	}{200, func(w *worker) (int, error) {
		st, _, err := w.c.do("GET", "/api/tasks/"+pick(w), nil, true)
		return found(st), err
	}}
	ops["task-list"] = struct {
		ok int
		fn opFunc
	}{200, func(w *worker) (int, error) {
		q := []string{"", "&filter[status]=in_progress", "&sort=-priority", "&filter[my_tasks]=true", "&sort=due_date&filter[overdue]=true"}[w.r.IntN(5)]
		st, _, err := w.c.do("GET", "/api/tasks?limit=50"+q, nil, true)
		return st, err
	}}
	ops["task-update"] = struct {
		ok int
		fn opFunc
	}{200, func(w *worker) (int, error) {
		st, _, err := w.c.do("PUT", "/api/tasks/"+pick(w), map[string]any{"description": fmt.Sprintf("updated by client %d, %d", w.id, w.seq)}, true)
		return found(st), err
	}}
	ops["task-delete"] = struct {
		ok int
		fn opFunc
	}{200, func(w *worker) (int, error) {
		id := tasks.take(w.r)
		if id == "" { // nothing left to delete: make one instead
			return ops["task-create"].fn(w)
		}
		st, _, err := w.c.do("DELETE", "/api/tasks/"+id, nil, true)
		if st == 201 {
			st = 200
		}
		return found(st), err
	}}
	ops["task-status"] = struct {
		ok int
		fn opFunc
	}{200, func(w *worker) (int, error) {
		s := []string{"in_progress", "pending_review", "completed"}[w.r.IntN(3)]
		st, _, err := w.c.do("PATCH", "/api/tasks/"+pick(w)+"/status", map[string]any{"status": s}, true)
		return found(st), err
	}}
	ops["task-comment"] = struct {
		ok int
		fn opFunc
	}{201, func(w *worker) (int, error) {
		st, _, err := w.c.do("POST", "/api/tasks/"+pick(w)+"/comments", map[string]any{"body": "load comment"}, true)
		if st == 404 {
			st = 201
		}
		return st, err
	}}
	ops["task-time"] = struct {
		ok int
		fn opFunc
	}{201, func(w *worker) (int, error) {
		st, _, err := w.c.do("POST", "/api/tasks/"+pick(w)+"/time-entries", map[string]any{"hours": 0.5}, true)
		if st == 404 {
			st = 201
		}
		return st, err
	}}
}
