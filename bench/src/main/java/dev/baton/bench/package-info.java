/**
 * Benchmarks ({@code bench/run NAME}): each prints its figure beside a baseline measured in the
 * same run. Not shipped; never asserted by a test.
 */
package dev.baton.bench;
