#include "textflag.h"

// func indexPairVector(b []byte, c0, c1 byte) int
// Requires AVX2 and len(b) >= 2.
TEXT ·indexPairVector(SB), NOSPLIT, $0-40
	MOVQ    b_base+0(FP), SI
	MOVQ    b_len+8(FP), BX
	MOVBLZX c0+24(FP), AX
	MOVBLZX c1+25(FP), CX
	MOVQ    AX, X0
	VPBROADCASTB X0, Y0
	MOVQ    CX, X1
	VPBROADCASTB X1, Y1
	XORQ    DI, DI

loop:
	// 32 candidate positions DI..DI+31 need bytes up to DI+32.
	LEAQ    33(DI), DX
	CMPQ    DX, BX
	JA      tail
	VMOVDQU (SI)(DI*1), Y2
	VMOVDQU 1(SI)(DI*1), Y3
	VPCMPEQB Y0, Y2, Y2
	VPCMPEQB Y1, Y3, Y3
	VPAND   Y2, Y3, Y2
	VPMOVMSKB Y2, R8
	TESTL   R8, R8
	JNZ     found
	ADDQ    $32, DI
	JMP     loop

found:
	BSFL    R8, R8
	ADDQ    R8, DI
	MOVQ    DI, ret+32(FP)
	VZEROUPPER
	RET

tail:
	// The last positions, one at a time: candidates DI..len-2.
	LEAQ    -1(BX), DX

tloop:
	CMPQ    DI, DX
	JAE     none
	MOVBLZX (SI)(DI*1), R8
	CMPL    R8, AX
	JNE     tnext
	MOVBLZX 1(SI)(DI*1), R8
	CMPL    R8, CX
	JEQ     tfound

tnext:
	INCQ    DI
	JMP     tloop

tfound:
	MOVQ    DI, ret+32(FP)
	VZEROUPPER
	RET

none:
	MOVQ    $-1, ret+32(FP)
	VZEROUPPER
	RET
