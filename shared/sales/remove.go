package sales

import (
	"context"
	"slices"
	"strings"

	"payvand.dev/shared/crm"
	"payvand.dev/shared/ids"
	"payvand.dev/shared/outbox"
	"payvand.dev/shared/store"
)

// maxMoved bounds the deals one stage or pipeline deletion moves: each
// takes three operations of the one transaction (the deal, its history
// entry, its customer's copy).
const maxMoved = 30

func holdsDeals(n int64) error {
	return &crm.Error{Code: crm.ECONFLICT, Message: "it still holds deals; move them first or name a stage in move_to",
		Key: "conflict-has-deals", Fields: map[string][]string{"move_to": {"required while deals are in it"}}}
}

// DeleteStage removes a stage; while deals are in it, move_to must name
// another stage (of any pipeline) and they move there in the same
// transaction.
func (s *Service) DeleteStage(ctx context.Context, pipelineID, stageID, moveTo string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	all, err := s.pipelines(ctx, t)
	if err != nil {
		return err
	}
	old := find(all, pipelineID)
	if old == nil {
		return pipelineNotFound()
	}
	st := old.StageByID(stageID)
	if st == nil {
		return stageNotFound()
	}
	if len(old.Stages) == 1 {
		return &crm.Error{Code: crm.ECONFLICT, Message: "a pipeline keeps at least one stage; delete the pipeline instead"}
	}
	p := clonePipeline(old)
	p.Stages = slices.DeleteFunc(p.Stages, func(x crm.Stage) bool { return x.ID == stageID })
	renumber(p)
	p.UpdatedAt, p.Version = s.now(), old.Version+1
	remove := stageAttrs(st)
	ops, err := s.moveOps(ctx, t, all, []*crm.Stage{st}, moveTo, stageID)
	if err != nil {
		return err
	}
	// The moves' counter updates of this pipeline merge into its save.
	add := map[string]int64{}
	ops = slices.DeleteFunc(ops, func(o store.Op) bool {
		if o.Update != nil && o.Update.Key == pipelineKey(p.ID) {
			for k, v := range o.Update.Add {
				add[k] += v
			}
			return true
		}
		return false
	})
	for _, a := range remove {
		delete(add, a)
	}
	save, err := savePipeline(p, old.Version, add, remove)
	if err != nil {
		return err
	}
	ops = append(ops, save, outbox.Op(ctx, "pipeline.stage_deleted", map[string]any{"pipeline_id": p.ID, "stage_id": stageID, "moved_to": moveTo}))
	return s.runMove(ctx, t, ops)
}

func (s *Service) runMove(ctx context.Context, t store.Table, ops []store.Op) error {
	if len(ops) > store.MaxTransactOps {
		return &crm.Error{Code: crm.ECONFLICT, Message: "too many deals to move at once; move some of them first"}
	}
	err := t.TransactWrite(ctx, ops...)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		return &crm.Error{Code: crm.ECONFLICT, Message: "deals or stages changed meanwhile; try again", Key: "conflict-version", Err: err}
	}
	return err
}

// stageAttrs are a stage's counter attributes on its pipeline's item.
func stageAttrs(st *crm.Stage) []string {
	out := []string{countAttr(st.ID)}
	for cur := range st.DealsValue {
		out = append(out, valueAttr(st.ID, cur))
	}
	return out
}

// moveOps move every deal of the stages to the stage moveTo names (which
// must not be among excluded): the deals, their history and customer
// copies, and the counters. No deals: no ops, and moveTo may be empty.
func (s *Service) moveOps(ctx context.Context, t store.Table, all []*crm.Pipeline, stages []*crm.Stage, moveTo string, excluded ...string) ([]store.Op, error) {
	var n int64
	for _, st := range stages {
		n += st.DealsCount
	}
	var deals []*storedDeal
	for _, st := range stages {
		p, err := t.Query(ctx, store.Query{Index: "GSI2", PK: stagePK(st.ID), Limit: maxMoved + 1})
		if err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			d, tokens, err := dealFromItem(it)
			if err != nil {
				return nil, err
			}
			deals = append(deals, &storedDeal{d, tokens})
		}
	}
	if len(deals) == 0 {
		return nil, nil
	}
	if moveTo == "" {
		return nil, holdsDeals(n)
	}
	if len(deals) > maxMoved {
		return nil, &crm.Error{Code: crm.ECONFLICT, Message: "more than 30 deals to move at once; move some of them first"}
	}
	var target *crm.Stage
	var tp *crm.Pipeline
	if ids.Valid(moveTo) && !slices.Contains(excluded, moveTo) {
		for _, p := range all {
			if st := p.StageByID(moveTo); st != nil {
				target, tp = st, p
			}
		}
	}
	if target == nil {
		return nil, invalid("move_to", "must be a stage that stays")
	}
	now := s.now()
	var ops []store.Op
	counters := map[string]map[string]int64{}
	for _, old := range deals {
		d := cloneDeal(old.Deal)
		d.PipelineID, d.PipelineName, d.StageID, d.StageName, d.StagePosition = tp.ID, tp.Name, target.ID, target.Name, target.Position
		h := s.stageChange(ctx, old.Deal, d, "stage deleted", now)
		d.UpdatedAt, d.Version = now, old.Version+1
		dops, err := dealOps(ctx, old, d, h, "deal.stage_changed", map[string]any{"deal": eventDeal(d),
			"from": map[string]any{"id": old.StageID, "name": old.StageName}, "to": map[string]any{"id": d.StageID, "name": d.StageName}})
		if err != nil {
			return nil, err
		}
		// Per-deal counter updates touch the same items: merge them.
		for _, o := range dops {
			if o.Update != nil && (o.Update.Key.PK == pipelinesPK || o.Update.Key == dealCounterKey()) {
				k := o.Update.Key.SK + "\x00" + o.Update.Key.PK
				if counters[k] == nil {
					counters[k] = map[string]int64{}
				}
				for a, v := range o.Update.Add {
					counters[k][a] += v
				}
				continue
			}
			if o.Check != nil && o.Check.PK == pipelinesPK {
				continue
			}
			ops = append(ops, o)
		}
	}
	for k, add := range counters {
		sk, pk, _ := strings.Cut(k, "\x00")
		for a, v := range add {
			if v == 0 {
				delete(add, a)
			}
		}
		if len(add) == 0 {
			continue
		}
		u := store.Update{Key: store.Key{PK: pk, SK: sk}, Add: add}
		if pk == pipelinesPK && sk == tp.ID {
			u.Cond = []store.Cond{store.AttrExists(countAttr(target.ID))}
		}
		ops = append(ops, store.UpdateOp(u))
	}
	return ops, nil
}

// DeletePipeline removes a pipeline; while it holds deals, move_to must
// name a stage of another pipeline. The default pipeline stays.
func (s *Service) DeletePipeline(ctx context.Context, id, moveTo string) error {
	t, err := s.Tables.TenantTable(ctx)
	if err != nil {
		return err
	}
	all, err := s.pipelines(ctx, t)
	if err != nil {
		return err
	}
	old := find(all, id)
	if old == nil {
		return pipelineNotFound()
	}
	if old.IsDefault {
		return &crm.Error{Code: crm.ECONFLICT, Message: "the default pipeline stays; make another pipeline the default first"}
	}
	stages := make([]*crm.Stage, len(old.Stages))
	excluded := make([]string, len(old.Stages))
	for i := range old.Stages {
		stages[i], excluded[i] = &old.Stages[i], old.Stages[i].ID
	}
	ops, err := s.moveOps(ctx, t, all, stages, moveTo, excluded...)
	if err != nil {
		return err
	}
	ops = slices.DeleteFunc(ops, func(o store.Op) bool { return o.Update != nil && o.Update.Key == pipelineKey(id) })
	ops = append(ops, store.DeleteOp(pipelineKey(id), store.VersionIs(old.Version)),
		outbox.Op(ctx, "pipeline.deleted", map[string]any{"pipeline_id": id, "moved_to": moveTo}))
	return s.runMove(ctx, t, ops)
}
