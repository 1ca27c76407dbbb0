-- Retention drops the partitions of archived months; this lets it prune their part of the Merkle tree too, which
-- would otherwise keep about two rows per record ever written. Once the first A records are archived, no retained
-- record's inclusion proof, no consistency proof from a retained size and no append reads a node inside those A
-- leaves except the roots of the perfect subtrees that cover them (the tree's frontier at A, which the archive's
-- manifest holds too): every other node there may go. The newest archived leaf stays as well, because the tree's size
-- is read as its newest leaf's index + 1. Updates stay refused; a DELETE of any node still needed is refused and
-- rolled back, so that pruning cannot take what a proof or `audit verify` needs.

-- True for a node that the tree still needs once the first `archived` leaves are archived.
CREATE FUNCTION audit.tree_node_needed(level integer, idx bigint, archived bigint) RETURNS boolean
  LANGUAGE sql IMMUTABLE AS $$
  SELECT idx >= (archived >> level)
      OR ((archived >> level) & 1 = 1 AND idx = (archived >> level) - 1)
      OR (level = 0 AND idx = archived - 1)
$$;

CREATE FUNCTION audit.refuse_needed_prune() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  archived bigint := (SELECT coalesce(max(last_seq), 0) FROM audit.archives);
BEGIN
  IF EXISTS (SELECT 1 FROM pruned WHERE audit.tree_node_needed(pruned.level, pruned.idx, archived)) THEN
    RAISE EXCEPTION 'audit.tree_nodes: only nodes of archived records that no proof or append needs can be deleted (archived: % records)', archived
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER tree_nodes_append_only ON audit.tree_nodes;
CREATE TRIGGER tree_nodes_append_only BEFORE UPDATE ON audit.tree_nodes FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE TRIGGER tree_nodes_prune_only AFTER DELETE ON audit.tree_nodes REFERENCING OLD TABLE AS pruned
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_needed_prune();
