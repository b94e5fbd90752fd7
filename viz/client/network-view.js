// Browser side of a network picture: zoom/pan on the drawing and hover details for nodes and edges.
// Runs on the SVG that Node rendered; `data` is { nodes: {id: details}, edges: {name: details} }.
/* global d3 */
window.dniflowNetworkView = (svgElement, data) => {
  const svg = d3.select(svgElement);
  const viewport = svg.select('g.viewport');
  const tooltip = d3.select('#tooltip');
  // Fit the picture to the page from the top, not centred in the middle of a tall window.
  svg.attr('preserveAspectRatio', 'xMidYMin meet');

  const zoom = d3
    .zoom()
    .scaleExtent([0.2, 6])
    .on('zoom', (event) => viewport.attr('transform', event.transform));
  svg.call(zoom).on('dblclick.zoom', null);

  const show = (event, title, rows) => {
    const table = rows
      .map(([key, value]) => `<tr><td>${escapeHtml(key)}</td><td>${escapeHtml(value)}</td></tr>`)
      .join('');
    tooltip.html(`<h4>${escapeHtml(title)}</h4><table>${table}</table>`).classed('visible', true);
    move(event);
  };
  const move = (event) => {
    const x = Math.min(event.clientX + 14, window.innerWidth - 400);
    tooltip.style('left', `${Math.max(0, x)}px`).style('top', `${event.clientY + 14}px`);
  };
  const hide = () => tooltip.classed('visible', false);

  svg
    .selectAll('g.node')
    .on('mouseenter', function (event) {
      const id = this.getAttribute('data-node');
      show(event, id, data.nodes[id] ?? []);
    })
    .on('mousemove', move)
    .on('mouseleave', hide);
  svg
    .selectAll('g.edge')
    .on('mouseenter', function (event) {
      const name = this.getAttribute('data-edge');
      show(event, name, data.edges[name] ?? []);
    })
    .on('mousemove', move)
    .on('mouseleave', hide);

  return { svg, viewport, zoom };
};

function escapeHtml(text) {
  return String(text).replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );
}
