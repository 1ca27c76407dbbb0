-- The audit log's published interface for the registry: how many successful operations of the last `window_days`
-- days read each of `coordinate_paths` (`Type.field`; a bare type name counts reads of any of its fields). The
-- registry weighs breaking changes with it and names only this function, never the log's tables, so the log's layout
-- (partitions, archives) stays the audit module's own. test/unit/table-ownership.test.ts holds every owner to this.
CREATE FUNCTION audit.coordinate_uses(coordinate_paths text[], window_days integer)
  RETURNS TABLE (path text, uses integer)
  LANGUAGE sql STABLE
AS $$
  SELECT p.path, count(DISTINCT r.seq)::int
    FROM unnest(coordinate_paths) AS p(path)
    JOIN audit.records r ON r.at > now() - make_interval(days => window_days) AND r.outcome IN ('OK', 'PARTIAL')
     AND EXISTS (SELECT 1 FROM unnest(r.coordinates) c WHERE c = p.path OR split_part(c, '.', 1) = p.path)
   GROUP BY p.path
$$;
