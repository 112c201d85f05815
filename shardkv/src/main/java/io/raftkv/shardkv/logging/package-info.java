/** How a raftkv process logs: {@link io.raftkv.shardkv.logging.StderrLogging}. */
package io.raftkv.shardkv.logging;
