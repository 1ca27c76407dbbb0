-- What the query plan sent to subgraphs in entity representations (`subgraph:Type.field`, keys included): fields a
-- subgraph @requires travel to it from other agencies' subgraphs, and the record shows which went where. Records
-- written before have none; the chain hash covers the list only when it is not empty, so their hashes still hold.
ALTER TABLE audit.records ADD COLUMN sent_to_subgraphs text[] NOT NULL DEFAULT '{}';
