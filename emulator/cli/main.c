/*
 * main.c - flowcanary: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *what;
} commands[] = {
	{ "check", fc_cmd_check, "check rule files before they reach a fleet" },
	{ "encode", fc_cmd_encode, "encode one rule as NLRI and extended communities" },
	{ "decode", fc_cmd_decode, "decode flowspec NLRI (and extended communities)" },
	{ "inject", fc_cmd_inject, "announce a rule file to a BGP peer" },
	{ "listen", fc_cmd_listen, "print the flowspec rules BGP peers send, as JSON lines" },
	{ "lab", fc_cmd_lab, "bring a lab of routers up or down, show or watch it" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: flowcanary COMMAND [OPTIONS] [ARGS]\n\n"
	    "A router memory-exhaustion fault emulator for BGP Flowspec rules.\n\n"
	    "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
	fprintf(f, "\nEvery command takes --help and --json.\n"
	    "Exit status: 0 pass, 1 a rule failed, 2 usage error, "
	    "3 invalid input, 4 environment error.\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return FC_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return FC_EXIT_PASS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		puts("flowcanary 0.1.0");
		return FC_EXIT_PASS;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "flowcanary: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return FC_EXIT_USAGE;
}
