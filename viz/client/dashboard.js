// Browser side of the live dashboard: reads the run's events from /events (Server-Sent Events),
// draws live curves, and animates messages on the network picture. When the trainer sends no
// message events, each batch animates one pass: forward activations edge by edge; on decoupled
// edges (DNI, cDNI, unlock) the synthetic gradient comes straight back, while locked edges wait
// for the true gradient to travel back from the loss (paper §1: update locking).
/* global d3 */
(() => {
  const network = window.DNIFLOW_NETWORK;
  const flow = window.DNIFLOW_FLOW;
  const svgElement = document.querySelector('#network svg');
  window.dniflowNetworkView(svgElement, network);
  const drawing = d3.select(svgElement).select('g.drawing');
  const statusLine = d3.select('#status');

  const state = {
    batches: [],
    epochs: [],
    updates: {},
    clocks: {},
    packets: 0,
    ended: false,
    lastMessageAt: -1e9,
    lastPassAt: -1e9,
    lastWindowAt: -1e9,
  };
  window.dniflowDashboard = state;

  const COLORS = { forward: '#555555', true: '#1f1f1f', synthetic: '#0072b2', bootstrapped: '#009e73' };
  const STYLE_COLORS = {
    dni: '#0072b2',
    cdni: '#009e73',
    unlock: '#d55e00',
    syntheticInput: '#1f1f1f',
    backprop: '#1f1f1f',
  };
  const DECOUPLED = new Set(['dni', 'cdni', 'unlock']);
  const STEP_MS = 140;
  const MAX_PACKETS = 48;

  function chart(selector, xLabel, yLabel, color, integerX) {
    const width = 540;
    const height = 250;
    const m = { top: 12, right: 18, bottom: 38, left: 56 };
    const svg = d3.select(selector).append('svg').attr('width', width).attr('height', height);
    const x = d3.scaleLinear().range([m.left, width - m.right]);
    const y = d3.scaleLinear().range([height - m.bottom, m.top]);
    const gx = svg
      .append('g')
      .attr('class', 'axis axis-x')
      .attr('transform', `translate(0,${height - m.bottom})`);
    const gy = svg.append('g').attr('class', 'axis axis-y').attr('transform', `translate(${m.left},0)`);
    svg
      .append('text')
      .attr('x', (m.left + width - m.right) / 2)
      .attr('y', height - 4)
      .attr('text-anchor', 'middle')
      .attr('font-size', 11)
      .text(xLabel);
    svg
      .append('text')
      .attr('transform', `translate(14,${(height - m.bottom + m.top) / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .attr('font-size', 11)
      .text(yLabel);
    const path = svg
      .append('path')
      .attr('class', 'series-line')
      .attr('fill', 'none')
      .attr('stroke', color)
      .attr('stroke-width', 1.8);
    const dots = svg.append('g').attr('class', 'points');
    return (points, withDots) => {
      if (points.length === 0) return;
      const [x0, x1] = d3.extent(points, (p) => p[0]);
      x.domain(x0 === x1 ? [x0 - 1, x1 + 1] : [x0, x1]);
      y.domain([0, d3.max(points, (p) => p[1]) || 1]).nice();
      const axis = d3.axisBottom(x).ticks(integerX ? Math.max(1, Math.min(6, x1 - x0)) : 6);
      gx.call(integerX ? axis.tickFormat(d3.format('d')) : axis);
      gy.call(d3.axisLeft(y).ticks(5));
      path.attr(
        'd',
        d3
          .line()
          .x((p) => x(p[0]))
          .y((p) => y(p[1]))(points),
      );
      dots
        .selectAll('circle')
        .data(withDots ? points : [])
        .join('circle')
        .attr('r', 3.5)
        .attr('fill', color)
        .attr('cx', (p) => x(p[0]))
        .attr('cy', (p) => y(p[1]));
    };
  }

  const drawLoss = chart('#loss-chart', flow.figure.per, 'loss', '#0072b2');
  const drawError = chart('#error-chart', 'epoch', flow.figure.axis, '#d55e00', true);
  let redrawQueued = false;
  function redraw() {
    if (redrawQueued) return;
    redrawQueued = true;
    requestAnimationFrame(() => {
      redrawQueued = false;
      drawLoss(
        state.batches.map((b) => [b.x, b.loss]),
        false,
      );
      drawError(
        state.epochs.map((e) => [e.epoch, e.test_error]),
        true,
      );
    });
  }

  function edgeLine(name) {
    const find = (n) => svgElement.querySelector(`g.edge[data-edge="${CSS.escape(n)}"] path.edge-line`);
    return find(name) ?? find(name.split('@')[0]);
  }

  function flash(module) {
    const node = d3.select(svgElement).select(`g.node[data-node="${CSS.escape(module)}"]`);
    node.classed('flash', true);
    setTimeout(() => node.classed('flash', false), 160);
  }

  function packet(name, direction, color, delay, onArrive) {
    const line = edgeLine(name);
    if (!line || state.packets >= MAX_PACKETS) return;
    state.packets++;
    const length = line.getTotalLength();
    const dot = drawing
      .append('circle')
      .attr('class', `packet packet-${direction}`)
      .attr('r', 5)
      .attr('fill', color)
      .attr('opacity', 0);
    dot
      .transition()
      .delay(delay)
      .duration(STEP_MS * 2)
      .ease(d3.easeLinear)
      .attr('opacity', 0.9)
      .attrTween('transform', () => (t) => {
        const p = line.getPointAtLength(direction === 'forward' ? t * length : (1 - t) * length);
        return `translate(${p.x},${p.y})`;
      })
      .on('end', () => {
        state.packets--;
        dot.remove();
        if (onArrive) onArrive();
      });
  }

  /** One animated training step, drawn from the graph alone. */
  function animatePass() {
    const now = performance.now();
    if (now - state.lastMessageAt < 2000 || now - state.lastPassAt < flow.edges.length * STEP_MS * 2.5)
      return;
    state.lastPassAt = now;
    const n = flow.edges.length;
    flow.edges.forEach((edge, i) => {
      packet(edge.name, 'forward', COLORS.forward, i * STEP_MS);
      if (edge.style === 'stopGradient') return;
      const decoupled = DECOUPLED.has(edge.style);
      const start = decoupled ? (i + 1) * STEP_MS : (2 * n - 1 - i) * STEP_MS;
      packet(edge.name, 'backward', STYLE_COLORS[edge.style] ?? COLORS.true, start, () => flash(edge.source));
    });
  }

  function onMessage(event) {
    state.lastMessageAt = performance.now();
    const color = event.direction === 'forward' ? COLORS.forward : (COLORS[event.kind] ?? COLORS.synthetic);
    const source = (event.edge.split('->')[0] ?? '').trim();
    packet(
      event.edge,
      event.direction,
      color,
      0,
      event.direction === 'backward' ? () => flash(source) : undefined,
    );
  }

  function showUpdates() {
    for (const [module, count] of Object.entries(state.updates)) {
      const node = d3.select(svgElement).select(`g.node[data-node="${CSS.escape(module)}"]`);
      if (node.empty()) continue;
      const box = node.select('rect');
      const label = node
        .selectAll('text.update-count')
        .data([count])
        .join('text')
        .attr('class', 'update-count');
      label
        .attr('x', Number(box.attr('width')) - 8)
        .attr('y', Number(box.attr('height')) - 7)
        .attr('text-anchor', 'end')
        .attr('font-size', 10)
        .attr('fill', '#0072b2')
        .text((d) => `${d} updates`);
    }
  }

  /** A cluster's label counts the ticks of its clock (two networks on two clocks, paper §3.3). */
  function showClock(cluster, tick) {
    const group = d3.select(svgElement).select(`g.cluster[data-cluster="${CSS.escape(cluster)}"]`);
    const label = group.select('text.cluster-label');
    if (label.empty()) return;
    if (label.attr('data-base') === null) label.attr('data-base', label.text());
    label.text(`${label.attr('data-base')}  ·  tick ${tick}`);
    state.clocks[cluster] = tick;
    if (state.epochs.length === 0)
      statusLine.text(
        Object.entries(state.clocks)
          .map(([name, count]) => `${name}: tick ${count}`)
          .join(' · '),
      );
    group.select('rect').classed('flash', true);
    setTimeout(() => group.select('rect').classed('flash', false), 160);
  }

  /**
   * One truncation window of a recurrent module (paper §3.2): its ticks light up in turn, then the
   * state crosses the loop to the next window and, on a decoupled loop, the synthetic gradient
   * predicted there comes straight back. Windows arriving during an animation are only counted.
   */
  function animateWindow(module, ticks) {
    const now = performance.now();
    state.lastMessageAt = now;
    if (now - state.lastWindowAt < (ticks + 3) * STEP_MS) return;
    state.lastWindowAt = now;
    const slots = d3
      .select(svgElement)
      .selectAll(`g.node[data-node="${CSS.escape(module)}"] rect.window-tick`);
    slots.each(function (_, tick) {
      const slot = d3.select(this);
      setTimeout(() => slot.classed('lit', true), tick * STEP_MS);
      setTimeout(() => slot.classed('lit', false), (tick + 1) * STEP_MS);
    });
    const end = slots.size() * STEP_MS;
    for (const loop of flow.loops.filter((l) => l.source === module)) {
      packet(loop.name, 'forward', COLORS.forward, end);
      if (DECOUPLED.has(loop.style))
        packet(loop.name, 'backward', STYLE_COLORS[loop.style] ?? COLORS.synthetic, end, () => flash(module));
    }
  }

  function handle(event) {
    if (event.type === 'batch') {
      const x = (event.epoch - 1) * event.batches + event.batch;
      state.batches.push({ x, loss: event.loss });
      statusLine.text(
        `epoch ${event.epoch} · batch ${event.batch}/${event.batches} · loss ${event.loss.toFixed(4)}`,
      );
      animatePass();
      redraw();
    } else if (event.type === 'epoch') {
      state.epochs.push(event);
      for (const m of event.modules ?? []) state.updates[m.name] = (state.updates[m.name] ?? 0) + m.updates;
      showUpdates();
      statusLine.text(
        `epoch ${event.epoch} done · test error ${event.test_error.toFixed(2)}% · train loss ${event.train_loss.toFixed(4)}`,
      );
      redraw();
    } else if (event.type === 'message') {
      onMessage(event);
    } else if (event.type === 'update') {
      flash(event.module);
    } else if (event.type === 'window') {
      state.batches.push({ x: event.window, loss: event.loss });
      statusLine.text(
        `epoch ${event.epoch} · window ${event.window} (T=${event.ticks}) · loss ${event.loss.toFixed(4)}`,
      );
      animateWindow(event.module, event.ticks);
      redraw();
    } else if (event.type === 'figure') {
      state.epochs.push({ epoch: event.epoch, test_error: event.value });
      statusLine.text(event.status);
      redraw();
    } else if (event.type === 'clock') {
      showClock(event.cluster, event.tick);
    } else if (event.type === 'end') {
      state.ended = true;
      statusLine.text(`${statusLine.text()} · run finished`).classed('finished', true);
      source.close();
    }
  }

  const source = new EventSource('events');
  // The server replays the whole run to a new connection, so a reconnect starts from scratch.
  source.onopen = () => {
    state.batches = [];
    state.epochs = [];
    state.updates = {};
  };
  source.onmessage = (message) => handle(JSON.parse(message.data));
})();
