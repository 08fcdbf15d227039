package dev.baton.runtime.internal.exec;

import dev.baton.runtime.Faults;
import dev.baton.runtime.plan.Fiber;
import dev.baton.runtime.value.ValueError;
import dev.baton.runtime.value.Values;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated network between modules and the faults of a run: latency, drops, duplicates,
 * delays, latency spikes and instance crashes ({@code --faults}).
 *
 * <h2>Design</h2>
 * Every message between instances — a call, a reply, an event's delivery — goes through here,
 * and every fault is drawn from the run's random stream in the order messages are sent, so a
 * seed replays its faults exactly. Calls and replies may be lost or come twice (callers retry,
 * callees de-duplicate: {@link Calls}); events travel on a reliable transport, so a fault reaches
 * an event as lateness, never as a loss or a second delivery. A crash takes an instance down for
 * a while: with {@code crash-state=keep} it is a recovery (its handler rolled back and run
 * again), with {@code discard} a new incarnation that lost its state.
 *
 * <p>Owns: fault draws, crash and restart, the numeric state lost to discard crashes. Must not
 * decide what a message means once delivered.
 */
final class Network {
    /** How long a lost event delivery takes to be sent again (the transport's retransmission). */
    private static final long EVENT_REDELIVERY_MS = 100;

    private final Core core;
    private final Faults faults;
    /** True when any fault can touch an event's delivery (else events go straight to their instance). */
    private final boolean eventFaults;
    /** Numeric state lost in discard crashes, by "module:slot". */
    final Map<String, Object> discarded = new TreeMap<>();

    Network(Core core, Faults faults) {
        this.core = core;
        this.faults = faults;
        this.eventFaults = faults.drop() > 0 || faults.duplicate() > 0 || faults.delay() > 0 || faults.spikeModule() != null;
    }

    /** Sends a call at {@code at}: maybe lost, maybe late, maybe twice. */
    void send(long at, int target, Msg msg, String module) {
        if (drops()) return;
        long latency = latency(module);
        core.schedule(at + latency, Task.DELIVER, target, 0, 0, msg);
        if (faults.duplicate() > 0 && core.timeline.random() < faults.duplicate()) {
            core.stats.messagesDuplicated++;
            core.schedule(at + latency + 1 + (long) (core.timeline.random() * 20), Task.DELIVER, target, 0, 0, msg);
        }
    }

    /** True when the network loses the message being sent (counted). */
    boolean drops() {
        if (faults.drop() > 0 && core.timeline.random() < faults.drop()) {
            core.stats.messagesDropped++;
            return true;
        }
        return false;
    }

    /** The extra time a message to {@code module} (null: a reply) takes: a random delay, a latency spike. */
    long latency(String module) {
        long l = 0;
        if (faults.delay() > 0 && core.timeline.random() < faults.delay()) {
            core.stats.messagesDelayed++;
            l += 1 + (long) (core.timeline.random() * faults.maxDelay().toMillis());
        }
        long now = core.timeline.now;
        if (faults.spikeModule() != null && faults.spikeModule().equals(module) && now >= 1000 && now < 1000 + faults.spikeLength().toMillis()) {
            core.stats.messagesSpiked++;
            l += 500;
        }
        return l;
    }

    /**
     * When the faults make an event's delivery to {@code inst} late, the engine time it arrives
     * (after now); else now. Draws what a delivery draws either way.
     */
    long eventArrival(Inst inst) {
        long now = core.timeline.now;
        if (!eventFaults) return now;
        // the simulated network between modules carries events too. Its transport is reliable:
        // a lost delivery is sent again, a duplicate is recognised by its delivery id and
        // discarded at the receiver — so the faults reach an event as lateness (and another
        // order), never as a loss or a second delivery
        long at = now;
        if (faults.drop() > 0 && core.timeline.random() < faults.drop()) {
            core.stats.messagesDropped++;
            core.stats.eventsRedelivered++;
            at += EVENT_REDELIVERY_MS;
        }
        if (faults.duplicate() > 0 && core.timeline.random() < faults.duplicate()) {
            core.stats.messagesDuplicated++;
            core.stats.eventsDeduplicated++;
        }
        return at + latency(core.plan.modules.get(inst.module).name);
    }

    // ------------------------------------------------------------------ crashes

    /** Puts the run's random crashes ({@code --faults crashes=n}) on the timeline. */
    void scheduleCrashes() {
        Instances instances = core.instances;
        int first = 0;
        int count = instances.all.length;
        if (faults.crashModule() != null) {
            int m = core.plan.moduleIndex(faults.crashModule());
            if (m < 0) throw new ValueError("--faults crash=" + faults.crashModule() + ": the program has no module " + faults.crashModule());
            first = instances.first[m];
            count = instances.first[m + 1] - first;
        }
        for (int c = 0; c < faults.crashes() && count > 0; c++) {
            int target = first + (int) (core.timeline.random() * count);
            long at = 200 + (long) (core.timeline.random() * 3000);
            core.schedule(at, Task.CRASH, target, 0, 0, null);
        }
    }

    /**
     * A simulated crash. With durable state ({@code crash-state=keep}) it is a recovery: the
     * instance is unavailable for a while, the handler it was running is aborted and rolled
     * back, and its message goes back to the head of the mailbox with the call sequence it
     * started with — so the re-run sends the same calls with the same identities, and
     * callees de-duplicate them. With {@code crash-state=discard} the instance loses its
     * state, the calls in its mailbox and its running handler, and comes back as a new
     * incarnation (epoch + 1), numbering its calls anew; calls the old one sent before it
     * crashed are still applied, once, when they arrive (identified by caller, epoch and
     * sequence). Either way the events it had not finished handling — and those that arrive
     * while it is down — are delivered when it is back: events are durable, calls are retried
     * by their callers.
     */
    void crash(Inst inst, long downMs) {
        if (inst.crashed) return;
        core.stats.crashes++;
        inst.crashed = true;
        inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "CRASHED");
        Msg inFlight = inst.currentMsg;
        if (faults.discardOnCrash()) {
            // what is lost is what the process holds at this moment (a running handler's progress included)
            for (int k = 0; k < inst.state.length; k++) {
                if (Values.isNumber(inst.state[k])) discarded.merge(inst.module + ":" + k, inst.state[k], Values::add);
            }
        }
        if (inst.current != null) {
            Fiber f = inst.current;
            core.waits.remove(f.id);
            core.calls.pending.remove(f.id);
            core.calls.callMsgs.remove(f.id);
            core.fibers.rollback(f);
            inst.current = null;
            inst.currentMsg = null;
        }
        if (faults.discardOnCrash()) {
            // the process's memory is gone, but not the events it had yet to finish: they are durable
            // (like a consumer's uncommitted records), and come again to the new incarnation
            java.util.ArrayDeque<Msg> events = new java.util.ArrayDeque<>();
            if (inFlight != null && inFlight.kind() == Msg.EVENT) events.add(inFlight);
            else if (inFlight != null) core.stats.messagesDropped++;
            for (Msg m : inst.mailbox) {
                if (m.kind() == Msg.EVENT) events.add(m);
                else core.stats.messagesDropped++;
            }
            inst.mailbox.clear();
            inst.mailbox.addAll(events);
            Arrays.fill(inst.ticksQueued, 0);
            core.instances.initState(inst);
        } else {
            inst.callSeq = inst.callSeqAtStart;
            if (inFlight != null) inst.mailbox.addFirst(inFlight);
        }
        core.schedule(core.timeline.now + (downMs > 0 ? downMs : 100 + (long) (core.timeline.random() * 400)), Task.RESTART, inst.index, 0, 0, null);
    }

    void restart(Inst inst) {
        inst.crashed = false;
        if (faults.discardOnCrash()) {
            inst.epoch++;
            inst.callSeq = 0;
        }
        inst.lifecycle = Lifecycle.INSTANCE.move(inst.lifecycle, "IDLE");
        core.instances.drain(inst);
    }
}
