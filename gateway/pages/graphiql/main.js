import { GraphiQL } from 'graphiql';
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import 'graphiql/graphiql.css';
import './graphiql-page.css';

// GraphiQL for developers. It holds no credentials of its own: every request carries the headers typed into the
// Headers tab, so the gateway authenticates, checks grants (introspection included) and audits it like any other.
// Headers are not persisted: an API key never lands in localStorage.
const HEADERS = JSON.stringify(
  { 'x-api-key': '<your API key>', 'x-once-officer': '<your name>', 'x-once-purpose': 'DEVELOPMENT', 'x-once-case': '<ticket or change number>' },
  null,
  2,
);

async function fetcher(request, options) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options?.headers ?? {}) },
    body: JSON.stringify(request),
  });
  return response.json();
}

createRoot(document.getElementById('graphiql')).render(
  createElement(GraphiQL, {
    fetcher,
    defaultHeaders: HEADERS,
    defaultEditorToolsVisibility: 'headers',
    shouldPersistHeaders: false,
    defaultQuery: '{ __typename }',
  }),
);
