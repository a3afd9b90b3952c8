#!/usr/bin/env node
// Reads a GEXF file with graphology-gexf (a GEXF consumer this project did not
// write) and prints, as JSON: node and edge counts, the graph type, the
// distinct values of the node attribute "type", and a few edge attributes.
// Usage: node read_gexf.js FILE.gexf
'use strict';
const fs = require('fs');
const Graph = require('graphology');
const gexf = require('graphology-gexf');

const text = fs.readFileSync(process.argv[2], 'utf8');
const graph = gexf.parse(Graph, text);
const types = {};
let colored = 0;
graph.forEachNode((node, attr) => {
  types[attr.type] = (types[attr.type] || 0) + 1;
  if (attr.color) colored += 1;
});
const relations = {};
let weightSum = 0;
graph.forEachEdge((edge, attr) => {
  relations[attr.relation] = (relations[attr.relation] || 0) + 1;
  weightSum += attr.weight === undefined ? 1 : attr.weight;
});
process.stdout.write(JSON.stringify({
  order: graph.order,
  size: graph.size,
  type: graph.type,
  multi: graph.multi,
  types,
  relations,
  colored,
  weightSum,
  labels: graph.filterNodes((n, a) => typeof a.label === 'string' && a.label.length > 0).length,
}));
