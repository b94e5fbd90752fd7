// Browser side of the plots page: hovering a point or a bar shows its value (from data-label).
/* global d3 */
window.dniflowPlotsView = (root) => {
  const tooltip = d3.select('#tooltip');
  d3.select(root)
    .selectAll('[data-label]')
    .on('mouseenter', function (event) {
      tooltip.text(this.getAttribute('data-label')).classed('visible', true);
      tooltip.style('left', `${event.clientX + 12}px`).style('top', `${event.clientY + 12}px`);
      d3.select(this).attr('stroke', '#000').attr('stroke-width', 1.5);
    })
    .on('mouseleave', function () {
      tooltip.classed('visible', false);
      d3.select(this).attr('stroke', null).attr('stroke-width', null);
    });
};
