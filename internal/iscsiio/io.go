package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
)

// maxChunk is the most bytes one READ 16 or WRITE 16 carries.
const maxChunk = 256 << 10

// chunkBlocks is how many blocks of blockSize bytes a chunk holds: at least
// one.
func chunkBlocks(blockSize uint64) uint64 {
	return max(1, maxChunk/blockSize)
}

// checkRange fails unless n blocks from lba lie within a LUN of capacity
// blocks.
func checkRange(lba, n, capacity uint64) error {
	if lba > capacity || n > capacity-lba {
		return fmt.Errorf("%d blocks at lba %d do not fit in %d blocks", n, lba, capacity)
	}
	return nil
}

func runCapacity(ctx context.Context, e *env, args []string) (int, error) {
	pos, err := parseArgs(flag.NewFlagSet("capacity", flag.ContinueOnError), args, "URL")
	if err != nil {
		return 0, err
	}
	s, err := dial(ctx, e.initiator, pos[0])
	if err != nil {
		return 0, err
	}
	defer s.close()
	blocks, blockSize, err := s.readCapacity(ctx)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(e.stdout, "%d %d\n", blocks, blockSize)
	return exitOK, nil
}

func runWrite(ctx context.Context, e *env, args []string) (int, error) {
	pos, err := parseArgs(flag.NewFlagSet("write", flag.ContinueOnError), args, "URL", "LBA")
	if err != nil {
		return 0, err
	}
	lba, err := parseUint("LBA", pos[1])
	if err != nil {
		return 0, err
	}
	data, err := io.ReadAll(e.stdin)
	if err != nil {
		return 0, fmt.Errorf("read stdin: %w", err)
	}
	s, err := dial(ctx, e.initiator, pos[0])
	if err != nil {
		return 0, err
	}
	defer s.close()
	capacity, blockSize, err := s.readCapacity(ctx)
	if err != nil {
		return 0, err
	}
	if uint64(len(data))%blockSize != 0 {
		return 0, fmt.Errorf("refuse to write %d bytes: not a multiple of the block size, %d", len(data), blockSize)
	}
	if err := checkRange(lba, uint64(len(data))/blockSize, capacity); err != nil {
		return 0, fmt.Errorf("refuse to write: %w", err)
	}
	chunk := chunkBlocks(blockSize) * blockSize
	for off := uint64(0); off < uint64(len(data)); off += chunk {
		end := min(off+chunk, uint64(len(data)))
		if err := s.write16(ctx, lba+off/blockSize, data[off:end], blockSize); err != nil {
			return 0, err
		}
	}
	fmt.Fprintf(e.stdout, "wrote %d bytes\n", len(data))
	return exitOK, nil
}

func runRead(ctx context.Context, e *env, args []string) (int, error) {
	pos, err := parseArgs(flag.NewFlagSet("read", flag.ContinueOnError), args, "URL", "LBA", "BLOCKS")
	if err != nil {
		return 0, err
	}
	lba, err := parseUint("LBA", pos[1])
	if err != nil {
		return 0, err
	}
	blocks, err := parseUint("BLOCKS", pos[2])
	if err != nil {
		return 0, err
	}
	s, err := dial(ctx, e.initiator, pos[0])
	if err != nil {
		return 0, err
	}
	defer s.close()
	capacity, blockSize, err := s.readCapacity(ctx)
	if err != nil {
		return 0, err
	}
	if err := checkRange(lba, blocks, capacity); err != nil {
		return 0, fmt.Errorf("refuse to read: %w", err)
	}
	w := bufio.NewWriterSize(e.stdout, maxChunk)
	buf := make([]byte, chunkBlocks(blockSize)*blockSize)
	for done := uint64(0); done < blocks; {
		n := min(chunkBlocks(blockSize), blocks-done)
		b := buf[:n*blockSize]
		if err := s.read16(ctx, lba+done, b, blockSize); err != nil {
			return 0, err
		}
		if _, err := w.Write(b); err != nil {
			return 0, fmt.Errorf("write stdout: %w", err)
		}
		done += n
	}
	if err := w.Flush(); err != nil {
		return 0, fmt.Errorf("write stdout: %w", err)
	}
	return exitOK, nil
}
